import pino, { type Logger } from 'pino';

/** One request's access-log fields, in the order they appear on the line. */
export interface AccessFields {
  req_id: string;
  method: string;
  path: string;
  route: string;
  status: number;
  ms: number;
  key_id: string | null;
}

// pino's own symbols for a logger's settings (`msgPrefixSym` exists at run time, not in the types).
const S = pino.symbols as typeof pino.symbols & { readonly msgPrefixSym?: symbol };
type Internals = Record<symbol, unknown>;

// pino's ISO time field, formatted once per millisecond rather than once per line.
let isoMs = NaN;
let isoField = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return isoField;
}

/** Lines waiting for the end of the event-loop turn, per destination; flushed on exit too. */
const live = new Set<AccessLog>();
let exitHookInstalled = false;

/**
 * Writes the access log: exactly the line `logger.info(fields, 'request')` (or `.error` for 5xx)
 * would write — the logger's level label, time function, bindings and message key — but built here
 * and handed to the destination once per event-loop turn. pino's generic path (its field loop,
 * escaping every value) and sonic-boom's per-write bookkeeping (it re-measures its whole pending
 * buffer on every write) cost several microseconds a request; this costs a few hundred
 * nanoseconds. Every line is still written.
 *
 * Order: access lines of one turn keep their order, but a line logged directly through the logger
 * in the same turn (an error, from another request) may land before them. Each line has its time.
 *
 * A logger configured in a way this cannot reproduce (mixins, hooks, formatters of the log object,
 * serializers or redaction of these fields, nested keys, message prefix, metadata streams) gets
 * its lines through the ordinary `logger.info`/`logger.error` instead.
 */
export class AccessLog {
  private readonly fast: boolean;
  private pending = '';
  private scheduled = false;
  private readonly flushBound = () => this.flush();

  constructor(private readonly logger: Logger) {
    this.fast = canBuildLines(logger);
  }

  write(fields: AccessFields): void {
    const failed = fields.status >= 500;
    const level = failed ? 'error' : 'info';
    if (!this.logger.isLevelEnabled(level)) return;
    const msg = failed ? 'request failed' : 'request';
    if (!this.fast) {
      this.logger[level](fields, msg);
      return;
    }
    const l = this.logger as unknown as Internals;
    const levelVal = this.logger.levels.values[level]!;
    const time = l[S.timeSym] as () => string;
    const line =
      (l[S.lsCacheSym] as Record<number, string>)[levelVal]! +
      (time === pino.stdTimeFunctions.isoTime ? isoTime() : time()) +
      (l[S.chindingsSym] as string) +
      ',"req_id":' +
      JSON.stringify(fields.req_id) +
      ',"method":' +
      JSON.stringify(fields.method) +
      ',"path":' +
      JSON.stringify(fields.path) +
      ',"route":' +
      JSON.stringify(fields.route) +
      ',"status":' +
      fields.status +
      ',"ms":' +
      (Number.isFinite(fields.ms) ? fields.ms : null) +
      ',"key_id":' +
      (fields.key_id === null ? 'null' : JSON.stringify(fields.key_id)) +
      ',"' +
      (l[S.messageKeySym] as string) +
      '":"' +
      msg +
      '"' +
      (l[S.endSym] as string);
    this.pending += line;
    if (this.pending.length >= 16_384) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      live.add(this);
      installExitHook();
      setImmediate(this.flushBound);
    }
  }

  /** Hands the pending lines to the destination (its own buffering still applies). */
  flush(): void {
    this.scheduled = false;
    live.delete(this);
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.destination().write(text);
  }

  /** `flush`, then the destination's own synchronous flush where it has one (process exit). */
  flushSync(): void {
    this.flush();
    try {
      this.destination().flushSync?.();
    } catch {
      // A destination that cannot flush synchronously keeps what it has.
    }
  }

  private destination(): { write(s: string): unknown; flushSync?: () => void } {
    return (this.logger as unknown as Record<symbol, { write(s: string): unknown; flushSync?: () => void }>)[
      S.streamSym
    ]!;
  }
}

/** True when a hand-built line is exactly what the logger itself would write for these fields. */
function canBuildLines(logger: Logger): boolean {
  const l = logger as unknown as Internals;
  const formatters = l[S.formattersSym] as { log?: unknown } | undefined;
  const hooks = l[S.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const serializers = (l[S.serializersSym] ?? {}) as Record<string, unknown>;
  const stringifiers = (l[S.stringifiersSym] ?? {}) as Record<string | symbol, unknown>;
  const stream = l[S.streamSym] as (Record<symbol, unknown> & { write?: unknown }) | undefined;
  const fields = ['req_id', 'method', 'path', 'route', 'status', 'ms', 'key_id'];
  return (
    typeof l[S.lsCacheSym] === 'object' &&
    typeof l[S.timeSym] === 'function' &&
    typeof l[S.chindingsSym] === 'string' &&
    typeof l[S.messageKeySym] === 'string' &&
    typeof l[S.endSym] === 'string' &&
    typeof stream?.write === 'function' &&
    stream[S.needsMetadataGsym] !== true &&
    !l[S.mixinSym] &&
    !l[S.nestedKeySym] &&
    (S.msgPrefixSym === undefined || typeof l[S.msgPrefixSym] !== 'string') &&
    !formatters?.log &&
    !hooks?.logMethod &&
    !hooks?.streamWrite &&
    stringifiers[S.wildcardFirstSym] === undefined &&
    fields.every((f) => !serializers[f] && !stringifiers[f]) &&
    !stringifiers[l[S.messageKeySym] as string]
  );
}

/** On exit, lines still waiting for their turn's end go to the destination, and it is flushed. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const log of [...live]) log.flushSync();
  });
}
