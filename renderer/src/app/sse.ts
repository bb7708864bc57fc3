/** One Server-Sent Event: its `event:` name (default `message`) and its `data:` lines joined by \n. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental Server-Sent Events parser (the WHATWG event-stream rules that the core's streams
 * use: `event:` and `data:` fields, `:` comments, blank line ends an event, CRLF / LF / CR line
 * ends). Feed it text as it arrives, in chunks split anywhere; it returns the events completed.
 * Used instead of EventSource because EventSource cannot send the Authorization header.
 */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  /** The last chunk ended in CR: a LF at the start of the next one belongs to it. */
  #skipLf = false;

  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.#skipLf && text.startsWith('\n')) text = text.slice(1);
    this.#skipLf = text.endsWith('\r');
    this.#buffer += text;
    const out: SseEvent[] = [];
    const lines = this.#buffer.split(/\r\n|\r|\n/);
    this.#buffer = lines.pop() ?? ''; // an unfinished line waits for the rest
    for (const line of lines) {
      if (line === '') {
        if (this.#data.length) out.push({ event: this.#event || 'message', data: this.#data.join('\n') });
        this.#event = '';
        this.#data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.#event = value;
      else if (field === 'data') this.#data.push(value);
    }
    return out;
  }
}
