import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { startServer } from '../../main/api/server.js';
import { openCore, type Core } from '../../main/core/core.js';
import { request } from '../helpers/http.js';
import { tmpDataDir } from '../helpers/server.js';
import { makeBlob, serveBlob, sha256, testEntry, type BlobServer } from './helpers.js';

const BLOB = makeBlob(400_000, 11);
const TOKEN = 'test-desktop-token-0123456789abcdef';

interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads a Server-Sent Events response to its end. */
function readEvents(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; type: string; events: SseEvent[] }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (buf += c));
        res.on('end', () => {
          const events = buf
            .split('\n\n')
            .map((block) => {
              const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
              const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
              const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
              return event && data !== undefined ? { event, data: JSON.parse(data) as unknown } : null;
            })
            .filter((e): e is SseEvent => e !== null);
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), events });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('/v1/models over real HTTP', () => {
  let blobs: BlobServer;
  let core: Core;
  let server: Awaited<ReturnType<typeof startServer>>;
  let data: ReturnType<typeof tmpDataDir>;
  let userKey: string;
  const admin = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    blobs = await serveBlob(BLOB, ['slow'], { delayMs: 5 });
    data = tmpDataDir();
    core = openCore({
      dataDir: data.dir,
      researchMode: false,
      modelManifest: {
        schema: 1,
        models: [
          testEntry({ id: 'open-model', url: blobs.url, bytes: BLOB.length, sha256: sha256(BLOB) }),
          testEntry({
            id: 'research-model',
            url: blobs.url,
            bytes: BLOB.length,
            sha256: sha256(BLOB),
            commercial_use: false,
          }),
        ],
      },
      modelDownload: { retries: 0 },
    });
    server = await startServer(core, {
      port: 0,
      logger: pino({ level: 'silent' }),
      desktopToken: TOKEN,
      validateResponses: true,
      processMetrics: false,
      cleanupIntervalMs: 0,
    });
    userKey = core.keys.create('user', 'pro').key;
  });
  after(async () => {
    await server.close();
    core.close();
    data.remove();
    await blobs.close();
  });

  test('list and get show the manifest with states; unknown id is 404', async () => {
    const res = await request(`${server.url}/v1/models`, { headers: { 'x-api-key': userKey } });
    assert.equal(res.status, 200, res.text);
    const models = res.json<{ models: { id: string; state: string; research_only: boolean }[] }>().models;
    assert.deepEqual(
      models.map((m) => [m.id, m.state, m.research_only]),
      [
        ['open-model', 'not_installed', false],
        ['research-model', 'not_installed', true],
      ],
    );
    const missing = await request(`${server.url}/v1/models/nope-model`, { headers: { 'x-api-key': userKey } });
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error.code, 'not_found');
  });

  test('pull needs admin; research-only weights are 403 with the reason', async () => {
    const asUser = await request(`${server.url}/v1/models/open-model/pull`, {
      method: 'POST',
      headers: { 'x-api-key': userKey },
    });
    assert.equal(asUser.status, 403);
    assert.equal(asUser.json().error.code, 'forbidden');
    const research = await request(`${server.url}/v1/models/research-model/pull`, { method: 'POST', headers: admin });
    assert.equal(research.status, 403);
    assert.match(research.json().error.message, /research-only.*SPATIALFORGE_RESEARCH_MODE=1/);
    assert.equal(blobs.requests.length, 0);
  });

  test('pull answers 202 at once; the event stream reports progress, then done', async () => {
    const started = await request(`${server.url}/v1/models/open-model/pull`, { method: 'POST', headers: admin });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.json().state, 'downloading');
    const stream = await readEvents(`${server.url}/v1/models/open-model/events`, { 'x-api-key': userKey });
    assert.equal(stream.status, 200);
    assert.match(stream.type, /^text\/event-stream/);
    const kinds = stream.events.map((e) => e.event);
    assert.ok(kinds.length >= 2 && kinds.slice(0, -1).every((k) => k === 'progress'), kinds.join(','));
    assert.equal(kinds.at(-1), 'done');
    const received = stream.events
      .filter((e) => e.event === 'progress')
      .map((e) => (e.data as { received_bytes: number }).received_bytes);
    assert.deepEqual(
      received,
      [...received].sort((a, b) => a - b),
      'progress only grows',
    );
    const done = stream.events.at(-1)!.data as { state: string; installed: { sha256: string } };
    assert.equal(done.state, 'installed');
    assert.equal(done.installed.sha256, sha256(BLOB));

    // After the end: one `done` at once.
    const again = await readEvents(`${server.url}/v1/models/open-model/events`, { 'x-api-key': userKey });
    assert.deepEqual(
      again.events.map((e) => e.event),
      ['done'],
    );
  });

  test('verify and remove (admin)', async () => {
    const verified = await request(`${server.url}/v1/models/open-model/verify`, { method: 'POST', headers: admin });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.json().state, 'installed');
    const asUser = await request(`${server.url}/v1/models/open-model`, {
      method: 'DELETE',
      headers: { 'x-api-key': userKey },
    });
    assert.equal(asUser.status, 403);
    const removed = await request(`${server.url}/v1/models/open-model`, { method: 'DELETE', headers: admin });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.json().state, 'not_installed');
    const twice = await request(`${server.url}/v1/models/open-model`, { method: 'DELETE', headers: admin });
    assert.equal(twice.status, 404);
    const events = await readEvents(`${server.url}/v1/models/open-model/events`, { 'x-api-key': userKey });
    assert.deepEqual(
      events.events.map((e) => [e.event, (e.data as { code: string }).code]),
      [['error', 'conflict']],
    );
  });
});
