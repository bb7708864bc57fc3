import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { startServer } from '../../main/api/server.js';
import { SETTINGS_FILE } from '../../main/common/api/settingsContract.js';
import { openCore } from '../../main/core/core.js';
import { jsonHeaders, request } from '../helpers/http.js';
import { startTestServer, tmpDataDir, type TestServer } from '../helpers/server.js';

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

describe('settings API over real HTTP', () => {
  let s: TestServer;
  let admin: string;
  let file: string;
  const get = (key = admin) => request(`${s.url}/v1/settings`, { headers: { 'x-api-key': key } });
  const patch = (body: string, key = admin) =>
    request(`${s.url}/v1/settings`, { method: 'PATCH', headers: jsonHeaders(key), body });

  before(async () => {
    s = await startTestServer();
    admin = s.key('admin');
    file = path.join(s.dataDir, SETTINGS_FILE);
  });
  after(() => s.close());

  test('without a settings.json: the defaults, the data folder and what the running core uses', async () => {
    const res = await get();
    assert.equal(res.status, 200);
    const body = res.json<Json>();
    assert.equal(body.execution_provider, 'cpu');
    assert.equal(body.threads, 0);
    assert.equal(body.data_dir, s.dataDir);
    assert.equal(body.research_mode, false);
    assert.deepEqual(body.running, {
      providers: ['cpu'],
      threads: 0,
      source: { providers: 'default', threads: 'default' },
    });
    assert.equal(body.restart_required, false);
    assert.equal(body.problem, null);
    assert.match(String(body.apply_note), /restart/i);
  });

  test('admin only: no key → 401, a non-admin key → 403, the desktop token → 200', async () => {
    assert.equal((await request(`${s.url}/v1/settings`)).status, 401);
    const free = await get(s.key('pro'));
    assert.equal(free.status, 403);
    assert.equal(free.json<Json>().error?.code, 'forbidden');
    const desktop = await request(`${s.url}/v1/settings`, { headers: { authorization: `Bearer ${s.desktopToken}` } });
    assert.equal(desktop.status, 200);
    assert.equal((await patch('{"threads":1}', s.key('builder'))).status, 403);
    assert.equal(fs.existsSync(file), false, 'a refused change writes nothing');
  });

  test('PATCH saves settings.json atomically and says a restart is needed', async () => {
    const res = await patch('{"threads":2,"execution_provider":"cuda"}');
    assert.equal(res.status, 200);
    const body = res.json<Json>();
    assert.equal(body.threads, 2);
    assert.equal(body.execution_provider, 'cuda');
    assert.equal(body.restart_required, true, 'the running core still uses CPU with automatic threads');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { execution_provider: 'cuda', threads: 2 });
    assert.deepEqual(
      fs.readdirSync(s.dataDir).filter((f) => f.includes('settings') && f !== SETTINGS_FILE),
      [],
      'no temp file left behind',
    );
    // Only the fields sent change.
    const partial = (await patch('{"execution_provider":"cpu"}')).json<Json>();
    assert.equal(partial.threads, 2);
    assert.equal(partial.execution_provider, 'cpu');
    assert.equal((await get()).json<Json>().threads, 2);
  });

  test('bad input → 400 with a machine-readable code, and the saved file is untouched', async () => {
    const before = fs.readFileSync(file, 'utf8');
    const cases: [string, string][] = [
      ['{"threads":-1}', 'validation_failed'],
      ['{"threads":1.5}', 'validation_failed'],
      ['{"threads":"many"}', 'validation_failed'],
      ['{"threads":100000}', 'validation_failed'],
      ['{"execution_provider":"tpu"}', 'validation_failed'],
      ['{"data_dir":"/etc"}', 'validation_failed'],
      ['{"research_mode":true}', 'validation_failed'],
      ['{}', 'validation_failed'],
      ['[1,2]', 'validation_failed'],
      ['{"threads":', 'invalid_json'],
    ];
    for (const [body, code] of cases) {
      const res = await patch(body);
      assert.equal(res.status, 400, body);
      const error = res.json<Json>().error;
      assert.equal(error?.code, code, body);
      assert.equal(typeof error?.message, 'string');
    }
    const wrongType = await request(`${s.url}/v1/settings`, {
      method: 'PATCH',
      headers: { 'x-api-key': admin, 'content-type': 'text/plain' },
      body: 'threads=2',
    });
    assert.ok(wrongType.status === 415 || wrongType.status === 400, String(wrongType.status));
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });

  test('a corrupt settings.json: GET reports it and serves the defaults; PATCH replaces it and keeps a copy', async () => {
    for (const text of ['{"threads": 4,', '{"threads": "lots"}', '[]', '', '{"execution_provider":"quantum"}']) {
      fs.writeFileSync(file, text);
      const res = await get();
      assert.equal(res.status, 200, text);
      const body = res.json<Json>();
      assert.equal(body.threads, 0, text);
      assert.equal(body.execution_provider, 'cpu', text);
      assert.match(String(body.problem), /settings\.json/, text);
    }
    const fixed = await patch('{"threads":1}');
    assert.equal(fixed.status, 200);
    assert.equal(fixed.json<Json>().problem, null);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { execution_provider: 'cpu', threads: 1 });
    assert.equal(fs.readFileSync(`${file}.damaged`, 'utf8'), '{"execution_provider":"quantum"}');
    assert.equal((await request(`${s.url}/healthz`)).status, 200);
  });

  test('an older file missing a key reads with the default for it', async () => {
    fs.writeFileSync(file, '{"threads":3}');
    const body = (await get()).json<Json>();
    assert.equal(body.threads, 3);
    assert.equal(body.execution_provider, 'cpu');
    assert.equal(body.problem, null);
  });

  test('the OpenAPI document describes when changes take effect', async () => {
    const doc = (await request(`${s.url}/openapi.json`)).json<{
      paths: Record<string, Record<string, { description: string }>>;
    }>();
    for (const method of ['get', 'patch']) assert.match(doc.paths['/v1/settings']![method]!.description, /restart/);
  });
});

describe('settings at start-up', () => {
  test('a core whose settings.json is corrupt starts with the defaults; a valid one is used after a restart', async () => {
    const data = tmpDataDir();
    const env = { providers: process.env.SPATIALFORGE_PROVIDERS, threads: process.env.SPATIALFORGE_THREADS };
    delete process.env.SPATIALFORGE_PROVIDERS;
    delete process.env.SPATIALFORGE_THREADS;
    const boot = async () => {
      const core = openCore({ dataDir: data.dir });
      const server = await startServer(core, {
        port: 0,
        logger: pino({ level: 'silent' }),
        desktopToken: 'settings-test-token-0123456789',
        validateResponses: true,
        processMetrics: false,
        cleanupIntervalMs: 0,
      });
      const res = await request(`${server.url}/v1/settings`, {
        headers: { authorization: 'Bearer settings-test-token-0123456789' },
      });
      await server.close();
      core.close();
      return res;
    };
    try {
      fs.writeFileSync(path.join(data.dir, SETTINGS_FILE), '\u0000\u0001 not json');
      const corrupt = await boot();
      assert.equal(corrupt.status, 200);
      assert.match(String(corrupt.json<Json>().problem), /not valid JSON/);
      assert.deepEqual((corrupt.json<Json>().running as { providers: string[] }).providers, ['cpu']);

      fs.writeFileSync(path.join(data.dir, SETTINGS_FILE), JSON.stringify({ execution_provider: 'cpu', threads: 1 }));
      const restarted = (await boot()).json<Json>();
      assert.deepEqual(restarted.running, {
        providers: ['cpu'],
        threads: Math.min(1, os.availableParallelism()),
        source: { providers: 'default', threads: 'settings' },
      });
      assert.equal(restarted.restart_required, false);
    } finally {
      if (env.providers !== undefined) process.env.SPATIALFORGE_PROVIDERS = env.providers;
      if (env.threads !== undefined) process.env.SPATIALFORGE_THREADS = env.threads;
      data.remove();
    }
  });
});
