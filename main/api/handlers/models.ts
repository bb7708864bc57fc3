import { PassThrough } from 'node:stream';
import type { ModelView } from '../../common/api/modelsContract.js';
import { needsResearchMode } from '../../common/models.js';
import type { ModelEvent, ModelStatus, ModelStore } from '../../models/modelStore.js';
import type { Handlers } from '../routes.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The API (and `models list --json`) shape of a model's status. */
export function modelView(s: ModelStatus): ModelView {
  const e = s.entry;
  return {
    id: e.id,
    name: e.name,
    family: e.family,
    task: e.task,
    output_kind: e.output.kind,
    license: e.license,
    commercial_use: e.commercial_use,
    research_only: needsResearchMode(e),
    downloadable: e.url !== null,
    bytes: e.bytes,
    sha256: e.sha256,
    state: s.state,
    progress: s.progress && { received_bytes: s.progress.receivedBytes, total_bytes: s.progress.totalBytes },
    partial_bytes: s.partialBytes,
    installed: s.installed && {
      sha256: s.installed.sha256,
      bytes: s.installed.bytes,
      source: s.installed.source,
      installed_at: iso(s.installed.installedAt),
      verified_at: iso(s.installed.verifiedAt),
    },
    problem: s.problem,
    notes: e.notes,
  };
}

/** One Server-Sent Event. */
function sse(event: ModelEvent): string {
  const data =
    event.type === 'progress'
      ? {
          received_bytes: event.receivedBytes,
          total_bytes: event.totalBytes,
          bytes_per_second: Math.round(event.bytesPerSecond),
        }
      : event.type === 'done'
        ? modelView(event.status)
        : { code: event.error.code, message: event.error.expose ? event.error.message : 'internal error' };
  return `event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

const HEARTBEAT_MS = 15_000;

export function modelHandlers(
  store: ModelStore,
): Pick<Handlers, 'listModels' | 'getModel' | 'pullModel' | 'modelEvents' | 'verifyModel' | 'removeModel'> {
  return {
    listModels() {
      return { models: store.list().map(modelView) };
    },
    getModel({ params }) {
      return modelView(store.get(params.id));
    },
    pullModel({ params }) {
      return modelView(store.startPull(params.id));
    },
    modelEvents({ params }) {
      store.entry(params.id); // 404 before the stream starts
      const stream = new PassThrough();
      let ended = false;
      stream.write(': model events\n\n'); // flushes the headers at once
      const heartbeat = setInterval(() => ended || stream.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
      const unsubscribe = store.subscribe(params.id, (event) => {
        if (ended) return;
        stream.write(sse(event));
        if (event.type === 'progress') return;
        ended = true;
        stream.end();
      });
      const stop = () => {
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
      };
      // Ends after done/error, or when the client goes away (Koa destroys the body stream).
      if (ended) stop();
      else stream.on('close', stop);
      return {
        raw: true,
        contentType: 'text/event-stream',
        body: stream,
        headers: { 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
      };
    },
    async verifyModel({ params }) {
      store.entry(params.id);
      return modelView(await store.verify(params.id));
    },
    async removeModel({ params }) {
      store.entry(params.id);
      await store.remove(params.id);
      return modelView(store.get(params.id));
    },
  };
}
