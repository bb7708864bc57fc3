import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { openCore } from '../../main/core/core.js';
import { DB_FILE } from '../../main/db/database.js';
import { tmpDataDir } from '../helpers/server.js';

/** Starts `spatialforge serve` (the built product) and resolves with its URL once it listens. */
function serve(dataDir: string) {
  const child = spawn(
    process.execPath,
    ['bin/spatialforge.js', '--data-dir', dataDir, 'serve', '--port', '0', '--log-level', 'silent'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const url = new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return { child, url, exited };
}

// Key rows are committed before the API answers. Usage counters are written behind (at most
// 200 ms later, see UsageMeter), so the test checks them against the requests acknowledged before
// a pause longer than that; the requests of the last 200 ms before a crash may go uncounted.
test('kill -9 in the middle of writes loses no committed row and leaves a clean database', async () => {
  const d = tmpDataDir();
  try {
    const setup = openCore({ dataDir: d.dir });
    const admin = setup.keys.create('admin', 'admin').key;
    setup.close();

    const { child, url: urlPromise, exited } = serve(d.dir);
    const url = await urlPromise;
    const acknowledgedKeys: string[] = [];
    let acknowledgedUsage = 0;
    let stop = false;
    const worker = async (i: number) => {
      for (let n = 0; !stop; n++) {
        try {
          if (n % 2 === 0) {
            const res = await fetch(`${url}/v1/keys`, {
              method: 'POST',
              headers: { 'x-api-key': admin, 'content-type': 'application/json' },
              body: JSON.stringify({ name: `w${i}-${n}` }),
            });
            if (res.status === 201) acknowledgedKeys.push(((await res.json()) as { id: string }).id);
          } else {
            const res = await fetch(`${url}/v1/me`, { headers: { 'x-api-key': admin } });
            if (res.status === 200) acknowledgedUsage++;
          }
        } catch {
          return; // the server died mid-request: that write was never acknowledged
        }
      }
    };
    let workers = Array.from({ length: 8 }, (_, i) => worker(i));
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(workers);
    const countedBeforePause = acknowledgedUsage + acknowledgedKeys.length;
    await new Promise((r) => setTimeout(r, 500)); // longer than the usage flush interval
    stop = false;
    workers = Array.from({ length: 8 }, (_, i) => worker(i + 8));
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await exited;
    assert.ok(acknowledgedKeys.length > 20, `only ${acknowledgedKeys.length} writes before the kill`);

    // Open the file as it was left (WAL included), exactly as the next start would.
    const db = new Sqlite(path.join(d.dir, DB_FILE));
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const stored = new Set((db.prepare('SELECT id FROM api_keys').all() as { id: string }[]).map((r) => r.id));
    const lost = acknowledgedKeys.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], 'every acknowledged key is stored');
    const used = (db.prepare('SELECT sum(requests) AS n FROM usage_monthly').get() as { n: number }).n;
    assert.ok(used >= countedBeforePause, `usage ${used} < ${countedBeforePause} acknowledged before the pause`);
    assert.ok(used <= acknowledgedUsage + acknowledgedKeys.length + 8, 'no request is counted twice');
    console.log(
      `kill -9: ${acknowledgedKeys.length} acknowledged key rows, all stored; usage ${used} ≥ ${countedBeforePause}`,
    );
    db.close();

    // And the product starts again on it.
    const again = serve(d.dir);
    const url2 = await again.url;
    const health = await fetch(`${url2}/healthz`);
    assert.equal(health.status, 200);
    again.child.kill('SIGTERM');
    await again.exited;
  } finally {
    d.remove();
  }
});
