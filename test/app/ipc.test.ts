import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { startCoreProcess } from '../../main/app/coreProcess.js';
import { registerIpcHandlers } from '../../main/ipc/handlers.js';

type Handler = (event: unknown, request: unknown) => Promise<unknown>;

function setup() {
  const handlers = new Map<string, Handler>();
  const opened: string[] = [];
  registerIpcHandlers({ handle: (ch: string, h: Handler) => handlers.set(ch, h) } as never, {
    appOrigin: 'http://127.0.0.1:4780',
    coreInfo: () => ({ url: 'http://127.0.0.1:4780', token: 't0ken' }),
    openExternal: async (u) => void opened.push(u),
  });
  const from = (url: string | null) => ({ senderFrame: url === null ? null : { url } });
  return { handlers, opened, from };
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
