import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { startCoreProcess } from '../../main/app/coreProcess.js';
import { registerIpcHandlers } from '../../main/ipc/handlers.js';
import { safeFileName } from '../../main/ipc/saveArtifact.js';

type Handler = (event: unknown, request: unknown) => Promise<unknown>;

function setup(options: { coreUrl?: string; savePath?: string | null } = {}) {
  const coreUrl = options.coreUrl ?? 'http://127.0.0.1:4780';
  const handlers = new Map<string, Handler>();
  const opened: string[] = [];
  const dialogs: string[] = [];
  const revealed: string[] = [];
  registerIpcHandlers({ handle: (ch: string, h: Handler) => handlers.set(ch, h) } as never, {
    appOrigin: new URL(coreUrl).origin,
    coreInfo: () => ({ url: coreUrl, token: 't0ken' }),
    openExternal: async (u) => void opened.push(u),
    chooseSavePath: async (name) => {
      dialogs.push(name);
      return options.savePath ?? null;
    },
    showItemInFolder: (p) => void revealed.push(p),
  });
  const from = (url: string | null) => ({ senderFrame: url === null ? null : { url } });
  return { handlers, opened, dialogs, revealed, from, me: from(coreUrl + '/') };
}

describe('IPC handlers', () => {
  test('answer our own frames with {ok, value}', async () => {
    const { handlers, from } = setup();
    assert.deepEqual(await handlers.get('spatialforge:core-info')!(from('http://127.0.0.1:4780/'), undefined), {
      ok: true,
      value: { url: 'http://127.0.0.1:4780', token: 't0ken' },
    });
  });

  test('refuse frames of any other origin, or none', async () => {
    const { handlers, from } = setup();
    for (const url of ['https://evil.example/', 'http://127.0.0.1:4781/', 'file:///x', null]) {
      const r = (await handlers.get('spatialforge:core-info')!(from(url), undefined)) as {
        ok: boolean;
        error: { code: string };
      };
      assert.equal(r.ok, false, String(url));
      assert.equal(r.error.code, 'forbidden');
    }
  });

  test('validate input and open only web links', async () => {
    const { handlers, from, opened } = setup();
    const open = handlers.get('spatialforge:open-external')!;
    const me = from('http://127.0.0.1:4780/');
    assert.deepEqual(await open(me, { url: 'https://example.com' }), { ok: true, value: { opened: true } });
    assert.deepEqual(await open(me, { url: 'file:///etc/passwd' }), { ok: true, value: { opened: false } });
    const bad = (await open(me, { url: 42 })) as { ok: boolean; error: { code: string } };
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 'validation_failed');
    assert.deepEqual(opened, ['https://example.com']);
  });
});

describe('saving artifacts from the desktop window', () => {
  const ART = '/v1/artifacts/art_0123456789abcdef01234567';
  const payload = Buffer.from('ply\nformat binary_little_endian 1.0\nend_header\n' + 'x'.repeat(70_000));

  /** A stand-in core on real loopback HTTP: the artifact, a 410 for another, a connection cut mid-body. */
  async function withCore(fn: (coreUrl: string, seen: { auth: string[] }) => Promise<void>) {
    const seen = { auth: [] as string[] };
    const server = http.createServer((req, res) => {
      seen.auth.push(req.headers.authorization ?? '');
      if (req.url?.startsWith(ART)) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length });
        res.end(payload);
      } else if (req.url?.startsWith('/v1/artifacts/art_ffffffffffffffffffffffff')) {
        res.writeHead(200, { 'content-length': payload.length });
        res.write(payload.subarray(0, 1000), () => res.destroy());
      } else {
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'gone', message: 'The artifact has expired.' } }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  test('asks where, writes the whole file there with the launch token, and may then reveal it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-save-'));
    try {
      await withCore(async (coreUrl, seen) => {
        const dest = path.join(dir, 'cloud.ply');
        const { handlers, me, dialogs, revealed } = setup({ coreUrl, savePath: dest });
        const r = (await handlers.get('spatialforge:save-artifact')!(me, {
          url: `${ART}?sig=abc&exp=99`,
          suggestedName: '../../etc/cloud.ply',
        })) as { ok: true; value: { saved: boolean; path: string; bytes: number } };
        assert.deepEqual(r, { ok: true, value: { saved: true, path: dest, bytes: payload.length } });
        assert.deepEqual(dialogs, ['cloud.ply'], 'the dialog proposes the base name only');
        assert.deepEqual(fs.readFileSync(dest), payload);
        assert.deepEqual(seen.auth, ['Bearer t0ken']);
        assert.deepEqual(fs.readdirSync(dir), ['cloud.ply'], 'no temporary file left');

        const reveal = handlers.get('spatialforge:reveal')!;
        assert.deepEqual(await reveal(me, { path: dest }), { ok: true, value: { revealed: true } });
        assert.deepEqual(await reveal(me, { path: '/etc/passwd' }), { ok: true, value: { revealed: false } });
        assert.deepEqual(revealed, [dest]);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a cancelled dialog saves nothing; URLs that are not our artifacts are refused before any dialog', async () => {
    await withCore(async (coreUrl, seen) => {
      const { handlers, me, dialogs } = setup({ coreUrl, savePath: null });
      const save = handlers.get('spatialforge:save-artifact')!;
      assert.deepEqual(await save(me, { url: ART, suggestedName: 'a.npy' }), {
        ok: true,
        value: { saved: false, path: null, bytes: 0 },
      });
      for (const url of [
        'https://evil.example/v1/artifacts/art_0123456789abcdef01234567',
        `${coreUrl.replace('127.0.0.1', 'localhost')}${ART}`,
        '/v1/keys',
        '/v1/artifacts/../keys',
        'file:///etc/passwd',
        `http://user:pw@${new URL(coreUrl).host}${ART}`,
      ]) {
        const r = (await save(me, { url, suggestedName: 'a.npy' })) as { ok: boolean; error: { code: string } };
        assert.equal(r.ok, false, url);
        assert.equal(r.error.code, 'invalid_url', url);
      }
      const extra = (await save(me, { url: ART, suggestedName: 'a', path: '/tmp/x' })) as { ok: boolean };
      assert.equal(extra.ok, false, 'unknown fields are refused');
      assert.equal(dialogs.length, 1);
      assert.equal(seen.auth.length, 0, 'nothing was fetched');
    });
  });

  test('a refused or cut-off download leaves neither a half file nor a damaged one under the chosen name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-save-'));
    try {
      await withCore(async (coreUrl) => {
        const dest = path.join(dir, 'depth.npy');
        fs.writeFileSync(dest, 'the user’s earlier file');
        const { handlers, me } = setup({ coreUrl, savePath: dest });
        const save = handlers.get('spatialforge:save-artifact')!;
        const gone = (await save(me, {
          url: '/v1/artifacts/art_aaaaaaaaaaaaaaaaaaaaaaaa',
          suggestedName: 'd.npy',
        })) as {
          ok: boolean;
          error: { message: string };
        };
        assert.equal(gone.ok, false);
        assert.match(gone.error.message, /expired/);
        const cut = (await save(me, { url: '/v1/artifacts/art_ffffffffffffffffffffffff', suggestedName: 'd.npy' })) as {
          ok: boolean;
        };
        assert.equal(cut.ok, false);
        assert.equal(fs.readFileSync(dest, 'utf8'), 'the user’s earlier file');
        assert.deepEqual(fs.readdirSync(dir), ['depth.npy']);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('file names are made safe for every desktop OS', () => {
    assert.equal(safeFileName('../../etc/passwd'), 'passwd');
    assert.equal(safeFileName('C:\\Windows\\evil.ply'), 'evil.ply');
    assert.equal(safeFileName('a<b>c:d"e|f?g*h\u0001.ply'), 'a_b_c_d_e_f_g_h_.ply');
    assert.equal(safeFileName('..'), 'spatialforge-export');
    assert.equal(safeFileName('.hidden. '), 'hidden');
    assert.equal(safeFileName('CON.ply'), '_CON.ply');
    assert.equal(safeFileName('x'.repeat(300)).length, 200);
  });
});

describe('core utility process', () => {
  class FakeChild extends EventEmitter {
    killed = false;
    pid = 42;
    kill() {
      this.killed = true;
      return true;
    }
  }

  test('resolves with the URL the core reports and passes the token only through its environment', async () => {
    const child = new FakeChild();
    let env: NodeJS.ProcessEnv = {};
    const started = startCoreProcess(
      (_entry, args, options) => {
        env = options.env;
        assert.deepEqual(args, []);
        return child as never;
      },
      { entry: '/app/core.js', token: 'secret-token' },
    );
    child.emit('message', { type: 'ready', url: 'http://127.0.0.1:5000' });
    const handle = await started;
    assert.equal(handle.url, 'http://127.0.0.1:5000');
    assert.equal(env.SPATIALFORGE_DESKTOP_TOKEN, 'secret-token');
  });

  test('rejects with the reason when the core fails, exits early or hangs', async () => {
    const failing = new FakeChild();
    const p1 = startCoreProcess(() => failing as never, { entry: 'x', token: 't' });
    failing.emit('message', { type: 'failed', error: 'database is locked' });
    await assert.rejects(p1, /database is locked/);

    const exiting = new FakeChild();
    const p2 = startCoreProcess(() => exiting as never, { entry: 'x', token: 't' });
    exiting.emit('exit', 3);
    await assert.rejects(p2, /exited with code 3/);

    const hanging = new FakeChild();
    await assert.rejects(
      startCoreProcess(() => hanging as never, { entry: 'x', token: 't', timeoutMs: 20 }),
      /did not start/,
    );
    assert.equal(hanging.killed, true);
  });

  test('the real core entry starts as a child process and reports a working URL', async () => {
    const { fork } = await import('node:child_process');
    const { tmpDataDir } = await import('../helpers/server.js');
    const d = tmpDataDir();
    try {
      const handle = await startCoreProcess(
        (entry, _args, options) => {
          const child = fork(entry, [], {
            env: { ...options.env, SPATIALFORGE_DATA_DIR: d.dir, SPATIALFORGE_LOG_LEVEL: 'silent' },
          });
          return Object.assign(child, { pid: child.pid ?? 0 }) as never;
        },
        { entry: 'dist/main/core.js', token: 'desktop-token-for-test-1234' },
      );
      try {
        const res = await fetch(`${handle.url}/v1/me`, {
          headers: { authorization: 'Bearer desktop-token-for-test-1234' },
        });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { kind: string }).kind, 'desktop');
      } finally {
        handle.process.kill();
      }
    } finally {
      d.remove();
    }
  });
});
