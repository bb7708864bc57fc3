import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, createClient, type FetchLike } from '../../main/common/api/client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

type Init = Parameters<FetchLike>[1];

/** A fetch that records what it was given and answers with `status` and `body`. */
function recorder(status: number, body: unknown) {
  const calls: { url: string; init: Init }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return {
      ok: status < 400,
      status,
      text: async () => JSON.stringify(body),
      headers: { get: (n: string) => (n === 'x-request-id' ? 'req-1' : null) },
    };
  };
  return { calls, fetch };
}

describe('typed client › multipart uploads', () => {
  test('sends the caller’s FormData as it is, with no content-type (fetch adds the boundary)', async () => {
    const r = recorder(200, { ok: true });
    const client = createClient({ baseUrl: 'http://core', credentials: { desktopToken: 'tok' }, fetch: r.fetch });
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array([1, 2, 3])]), 'a.png');
    form.append('focal_px', '500');
    await client.call('depth', { body: { multipart: form } });
    assert.equal(r.calls.length, 1);
    const { url, init } = r.calls[0]!;
    assert.equal(url, 'http://core/v1/depth');
    assert.equal(init.method, 'POST');
    assert.equal(init.body, form, 'the same FormData object');
    assert.equal(init.headers['content-type'], undefined);
    assert.equal(init.headers.authorization, 'Bearer tok');
  });

  test('refuses an upload endpoint called without a multipart body', async () => {
    const r = recorder(200, {});
    const client = createClient({ baseUrl: '', credentials: null, fetch: r.fetch });
    await assert.rejects(
      client.call('measure', { body: {} as never }),
      (e: Error) => e instanceof TypeError && /multipart/.test(e.message),
    );
    assert.equal(r.calls.length, 0);
  });

  test('JSON endpoints are unchanged: a JSON string with its content-type', async () => {
    const r = recorder(201, { id: 'x' });
    const client = createClient({ baseUrl: '', credentials: { apiKey: 'sf_k' }, fetch: r.fetch });
    await client.call('createKey', { body: { name: 'ci', plan: 'free' } });
    const { init } = r.calls[0]!;
    assert.equal(init.headers['content-type'], 'application/json');
    assert.equal(typeof init.body, 'string');
    assert.equal(init.headers['x-api-key'], 'sf_k');
  });
});

describe('typed client › uploads against the real server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  test('a real multipart POST /v1/depth reaches the handler and its error comes back as ApiError', async () => {
    const client = createClient({
      baseUrl: s.url,
      credentials: { apiKey: s.key('pro') },
      fetch: (url, init) => fetch(url, init as RequestInit),
    });
    const form = new FormData();
    form.append('image', new Blob([Buffer.from('not an image at all')]), 'notes.png');
    await assert.rejects(client.call('depth', { body: { multipart: form } }), (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      // Either the file is refused or the (absent) model is named: both mean the upload was parsed.
      assert.ok([400, 409, 415].includes(e.status), `${e.status} ${e.body.error.message}`);
      assert.notEqual(e.body.error.code, 'validation_failed', e.body.error.message);
      return true;
    });
  });
});
