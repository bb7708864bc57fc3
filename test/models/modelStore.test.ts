import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AppError } from '../../main/common/errors.js';
import type { ModelEntry } from '../../main/common/models.js';
import { loadManifest } from '../../main/models/manifest.js';
import { ModelStore, type ModelEvent } from '../../main/models/modelStore.js';
import { createModelRepo } from '../../main/db/repos/models.js';
import { filesUnder, makeBlob, openStore, serveBlob, sha256, testEntry } from './helpers.js';
import { SHARED_DATA } from '../helpers/rgbd.js';

const BLOB = makeBlob(300_000, 7);
const SHA = sha256(BLOB);
const ID = 'test-model';
const entry = (url: string | null, extra: Partial<ModelEntry> = {}) =>
  testEntry({ id: ID, url, bytes: BLOB.length, sha256: SHA, ...extra });

function isAppError(code: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('ModelStore › pull', () => {
  test('downloads, checks the SHA-256, renames into place and records it', async () => {
    const server = await serveBlob(BLOB, ['range']);
    const f = openStore([entry(server.url)]);
    try {
      assert.equal(f.store.get(ID).state, 'not_installed');
      const progress: number[] = [];
      const status = await f.store.pull(ID, { onProgress: (e) => progress.push(e.receivedBytes) });
      assert.equal(status.state, 'installed');
      assert.equal(status.installed?.sha256, SHA);
      assert.equal(status.installed?.source, 'download');
      assert.equal(status.installed?.bytes, BLOB.length);
      assert.equal(progress.at(-1), BLOB.length);
      const file = f.store.pathOf(ID);
      assert.equal(file, path.join(f.modelsDir, `${ID}.onnx`));
      assert.ok(fs.readFileSync(file).equals(BLOB));
      assert.deepEqual(filesUnder(f.modelsDir), [`${ID}.onnx`], 'no partial or lock left behind');
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]?.range, undefined);
      assert.equal(server.requests[0]?.acceptEncoding, 'identity');
      // Pulling an installed model downloads nothing.
      assert.equal((await f.store.pull(ID)).state, 'installed');
      assert.equal(server.requests.length, 1);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('resumes with Range after the connection drops mid-body', async () => {
    const cut = 123_457;
    const server = await serveBlob(BLOB, ['drop', 'range'], { dropAfter: cut });
    const f = openStore([entry(server.url)]);
    try {
      const status = await f.store.pull(ID);
      assert.equal(status.state, 'installed');
      assert.equal(server.requests.length, 2);
      const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1]?.range ?? '')?.[1]);
      // The socket may deliver a little less than was written before it died, never more.
      assert.ok(resumedAt > 0 && resumedAt <= cut, `second request's Range: ${server.requests[1]?.range}`);
      assert.equal(sha256(fs.readFileSync(f.store.pathOf(ID))), SHA);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('a cancelled pull keeps a resumable .part; the next pull resumes from it', async () => {
    const server = await serveBlob(BLOB, ['slow'], { delayMs: 15 });
    const f = openStore([entry(server.url)]);
    try {
      const ac = new AbortController();
      await assert.rejects(
        f.store.pull(ID, {
          signal: ac.signal,
          onProgress: (e) => {
            if (e.receivedBytes >= 64 * 1024) ac.abort();
          },
        }),
        isAppError('unavailable'),
      );
      // Let the aborted download settle (it releases its lock asynchronously).
      for (let i = 0; i < 100 && f.store.get(ID).state === 'downloading'; i++)
        await new Promise((r) => setTimeout(r, 10));
      const after = f.store.get(ID);
      assert.equal(after.state, 'not_installed');
      assert.ok(after.partialBytes >= 64 * 1024, `partial ${after.partialBytes}`);
      assert.equal(fs.existsSync(path.join(f.modelsDir, `${ID}.onnx`)), false);
      assert.throws(() => f.store.pathOf(ID), isAppError('conflict', /not installed/));

      const status = await f.store.pull(ID);
      assert.equal(status.state, 'installed');
      assert.equal(server.requests.at(-1)?.range, `bytes=${after.partialBytes}-`);
      assert.equal(sha256(fs.readFileSync(f.store.pathOf(ID))), SHA);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('a server that ignores Range: the download restarts from zero', async () => {
    const server = await serveBlob(BLOB, ['ignore-range']);
    const f = openStore([entry(server.url)]);
    try {
      fs.mkdirSync(path.join(f.modelsDir, '.partial'), { recursive: true });
      // A stale partial whose bytes are wrong: appending to it would break the hash.
      fs.writeFileSync(f.store.partialPath(ID), Buffer.alloc(1000, 0xaa));
      const status = await f.store.pull(ID);
      assert.equal(status.state, 'installed');
      assert.equal(server.requests[0]?.range, 'bytes=1000-');
      assert.equal(server.requests.length, 1);
      assert.equal(sha256(fs.readFileSync(f.store.pathOf(ID))), SHA);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('a complete .part (416 with the same total) is verified and installed without a body', async () => {
    const server = await serveBlob(BLOB, ['range']);
    const f = openStore([entry(server.url)]);
    try {
      fs.mkdirSync(path.join(f.modelsDir, '.partial'), { recursive: true });
      fs.writeFileSync(f.store.partialPath(ID), BLOB);
      assert.equal((await f.store.pull(ID)).state, 'installed');
      assert.equal(server.requests[0]?.range, `bytes=${BLOB.length}-`);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('wrong hash → error; no installed file, no record, the partial removed', async () => {
    const other = makeBlob(BLOB.length, 99);
    const server = await serveBlob(other, ['range']);
    const f = openStore([entry(server.url)]);
    try {
      await assert.rejects(
        f.store.pull(ID),
        isAppError('unavailable', new RegExp(`not the expected file \\(SHA-256 ${sha256(other)}.*expects ${SHA}`)),
      );
      assert.deepEqual(filesUnder(f.modelsDir), []);
      assert.equal(f.store.get(ID).installed, null);
      assert.equal(f.store.get(ID).state, 'not_installed');
      assert.equal((f.db.prepare('SELECT count(*) AS n FROM models').get() as { n: number }).n, 0);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('a size other than the manifest’s is refused before the body is stored', async () => {
    const server = await serveBlob(BLOB.subarray(0, 1000), ['range']);
    const f = openStore([entry(server.url)]);
    try {
      await assert.rejects(f.store.pull(ID), isAppError('unavailable', /offers 1000 bytes .* expects 300000/));
      assert.deepEqual(filesUnder(f.modelsDir), []);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('404 → a clear error naming the status; nothing left behind', async () => {
    const server = await serveBlob(BLOB, [404]);
    const f = openStore([entry(server.url)]);
    try {
      await assert.rejects(f.store.pull(ID), isAppError('unavailable', /answered 404 Not Found/));
      assert.equal(server.requests.length, 1, '4xx is not retried');
      assert.deepEqual(filesUnder(f.modelsDir), []);
    } finally {
      f.close();
      await server.close();
    }
  });

  test('an unreachable host fails after the retries with the reason', async () => {
    const server = await serveBlob(BLOB, ['range']);
    const url = server.url;
    await server.close();
    const f = openStore([entry(url)]);
    try {
      await assert.rejects(
        f.store.pull(ID),
        isAppError('unavailable', /was interrupted \(cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/),
      );
    } finally {
      f.close();
    }
  });

  test('research-only and unclear weights are refused without research mode, with the reason', async () => {
    const server = await serveBlob(BLOB, ['range']);
    const f = openStore([
      entry(server.url, { commercial_use: false, license: 'research only (test)' }),
      testEntry({ id: 'unclear', url: server.url, bytes: BLOB.length, sha256: SHA, commercial_use: null }),
    ]);
    try {
      await assert.rejects(
        f.store.pull(ID),
        isAppError(
          'forbidden',
          /test-model is research-only \(licence: research only \(test\)\).*--research-mode or SPATIALFORGE_RESEARCH_MODE=1/,
        ),
      );
      await assert.rejects(f.store.pull('unclear'), isAppError('forbidden', /unclear is of unclear licence/));
      assert.throws(() => f.store.startPull(ID), isAppError('forbidden'));
      assert.equal(server.requests.length, 0);
    } finally {
      f.close();
      await server.close();
    }
    const server2 = await serveBlob(BLOB, ['range']);
    const s = openStore([entry(server2.url, { commercial_use: false })], { researchMode: true });
    try {
      assert.equal((await s.store.pull(ID)).state, 'installed');
      assert.ok(s.store.pathOf(ID));
    } finally {
      s.close();
      await server2.close();
    }
  });

  test('a model without a URL is refused with how to import it', async () => {
    const f = openStore([entry(null)]);
    try {
      await assert.rejects(
        f.store.pull(ID),
        isAppError('bad_request', /no download URL.*models import FILE --as test-model/),
      );
      await assert.rejects(f.store.pull('nope'), isAppError('not_found', /no model "nope"/));
    } finally {
      f.close();
    }
  });

  test('a second pull of the same id joins the first: one request, both see the result', async () => {
    const server = await serveBlob(BLOB, ['slow'], { delayMs: 2 });
    const f = openStore([entry(server.url)]);
    try {
      const first = f.store.pull(ID);
      assert.equal(f.store.get(ID).state, 'downloading');
      const events: ModelEvent['type'][] = [];
      const unsubscribe = f.store.subscribe(ID, (e) => events.push(e.type));
      const second = f.store.pull(ID);
      const [a, b] = await Promise.all([first, second]);
      unsubscribe();
      assert.equal(a.state, 'installed');
      assert.equal(b.state, 'installed');
      assert.equal(server.requests.length, 1);
      assert.equal(events[0], 'progress');
      assert.equal(events.at(-1), 'done');
    } finally {
      f.close();
      await server.close();
    }
  });

  test('a lock held by another live process refuses the pull; a dead owner’s lock is taken over', async () => {
    const server = await serveBlob(BLOB, ['range']);
    const f = openStore([entry(server.url)]);
    try {
      fs.mkdirSync(path.join(f.modelsDir, '.partial'), { recursive: true });
      const lock = path.join(f.modelsDir, '.partial', `${ID}.lock`);
      fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid }));
      assert.equal(f.store.get(ID).state, 'downloading');
      await assert.rejects(f.store.pull(ID), isAppError('conflict', /another SpatialForge process/));
      fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345 })); // beyond pid_max: not alive
      assert.equal((await f.store.pull(ID)).state, 'installed');
      assert.equal(fs.existsSync(lock), false);
    } finally {
      f.close();
      await server.close();
    }
  });
});

describe('ModelStore › import, verify, remove', () => {
  test('import with the manifest’s hash installs; a mismatching file is refused and leaves nothing', async () => {
    const f = openStore([entry(null)]);
    const src = path.join(f.dir, 'given.onnx');
    try {
      const wrong = makeBlob(BLOB.length, 3);
      fs.writeFileSync(src, wrong);
      await assert.rejects(
        f.store.import(src, ID),
        isAppError('bad_request', new RegExp(`is not test-model: its SHA-256 is ${sha256(wrong)}`)),
      );
      assert.deepEqual(filesUnder(f.modelsDir), []);
      fs.writeFileSync(src, BLOB.subarray(1));
      await assert.rejects(
        f.store.import(src, ID),
        isAppError('bad_request', /299999 bytes, the manifest expects 300000/),
      );
      await assert.rejects(
        f.store.import(path.join(f.dir, 'absent.onnx'), ID),
        isAppError('bad_request', /no such file/),
      );

      fs.writeFileSync(src, BLOB);
      const s = await f.store.import(src, ID);
      assert.equal(s.state, 'installed');
      assert.equal(s.installed?.source, 'import');
      assert.ok(fs.existsSync(src), 'the source file is copied, not moved');
      assert.deepEqual(filesUnder(f.modelsDir), [`${ID}.onnx`]);
    } finally {
      f.close();
    }
  });

  test('import of a research-only model needs research mode', async () => {
    const f = openStore([entry(null, { commercial_use: false })]);
    try {
      const src = path.join(f.dir, 'given.onnx');
      fs.writeFileSync(src, BLOB);
      await assert.rejects(f.store.import(src, ID), isAppError('forbidden', /research mode/));
    } finally {
      f.close();
    }
  });

  test('verify records a good file and detects a corrupted one', async () => {
    const f = openStore([entry(null)], { now: (() => { let t = 1000; return () => (t += 1000); })() }); // prettier-ignore
    const src = path.join(f.dir, 'given.onnx');
    try {
      fs.writeFileSync(src, BLOB);
      const installed = await f.store.import(src, ID);
      const good = await f.store.verify(ID);
      assert.equal(good.state, 'installed');
      assert.ok(good.installed!.verifiedAt > installed.installed!.verifiedAt);

      // Same size, one byte flipped: only the hash can tell.
      const file = f.store.pathOf(ID);
      const damaged = Buffer.from(BLOB);
      damaged[1234] = damaged[1234]! ^ 0xff;
      fs.writeFileSync(file, damaged);
      assert.equal(f.store.get(ID).state, 'installed', 'list does not rehash');
      const bad = await f.store.verify(ID);
      assert.equal(bad.state, 'corrupt');
      assert.match(bad.problem ?? '', new RegExp(`SHA-256 is ${sha256(damaged)}, expected ${SHA}`));
      assert.throws(() => f.store.pathOf(ID), isAppError('conflict', /is corrupt/));
      assert.equal(f.store.resolve(ID).ok, false);

      // A truncated file is seen without rehashing.
      fs.writeFileSync(file, BLOB.subarray(0, 10));
      assert.equal(f.store.get(ID).state, 'corrupt');
      fs.rmSync(file);
      assert.equal(f.store.get(ID).state, 'missing');
      assert.equal((await f.store.verify(ID)).state, 'missing');
    } finally {
      f.close();
    }
  });

  test('a file without a record is not installed; verify adopts it when the manifest hash matches', async () => {
    const f = openStore([entry(null)]);
    try {
      fs.mkdirSync(f.modelsDir, { recursive: true });
      fs.writeFileSync(path.join(f.modelsDir, `${ID}.onnx`), BLOB);
      const s = f.store.get(ID);
      assert.equal(s.state, 'corrupt');
      assert.match(s.problem ?? '', /no install record/);
      assert.equal((await f.store.verify(ID)).state, 'installed');
      await assert.rejects(f.store.verify('nope'), isAppError('not_found'));
    } finally {
      f.close();
    }
  });

  test('remove deletes the file, the record and any partial; removing again is not_found', async () => {
    const f = openStore([entry(null)]);
    try {
      const src = path.join(f.dir, 'given.onnx');
      fs.writeFileSync(src, BLOB);
      await f.store.import(src, ID);
      fs.writeFileSync(f.store.partialPath(ID), 'x');
      const s = await f.store.remove(ID);
      assert.equal(s?.state, 'not_installed');
      assert.equal(s?.partialBytes, 0);
      assert.deepEqual(filesUnder(f.modelsDir), []);
      assert.equal(f.store.get(ID).installed, null);
      await assert.rejects(f.store.remove(ID), isAppError('not_found', /not installed/));
      await assert.rejects(f.store.remove('../etc'), isAppError('bad_request', /not a model id/));
    } finally {
      f.close();
    }
  });
});

describe('ModelStore › the real local PyDNet++ file', () => {
  test('imports with the bundled manifest’s size and SHA-256 (research mode)', async (t) => {
    const file = path.join(SHARED_DATA, 'depth-model-pydnet', 'pydnet_pp_448x640.onnx');
    if (!fs.existsSync(file)) {
      t.skip(`${file} is absent`);
      return;
    }
    const real = loadManifest();
    const f = openStore(real.models, { researchMode: true });
    try {
      const s = await f.store.import(file, 'pydnet-pp-448x640-local');
      assert.equal(s.state, 'installed');
      const loc = f.store.resolve('pydnet-pp-448x640-local');
      assert.ok(loc.ok);
      assert.equal(loc.entry.family, 'pydnet');
      assert.equal(loc.sha256, 'ee6c0766cfa09ebf57e2288612a64e6278f07559797df7a74effdd50241ac485');
      // The same install, seen without research mode: refused at use, with the reason.
      const strict = new ModelStore({
        dataDir: f.dir,
        repo: createModelRepo(f.db),
        researchMode: false,
        manifest: real,
      });
      const refused = strict.resolve('pydnet-pp-448x640-local');
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.reason, 'research_only');
      assert.throws(() => strict.pathOf('pydnet-pp-448x640-local'), isAppError('forbidden', /research-only/));
    } finally {
      f.close();
    }
  });
});
