import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { contract } from '../../main/common/api/contract.js';
import { VERSION } from '../../main/common/version.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('contract ⇄ server ⇄ OpenAPI', () => {
  let s: TestServer;
  let doc: { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
  before(async () => {
    s = await startTestServer();
    doc = (await request(`${s.url}/openapi.json`)).json();
  });
  after(() => s.close());

  test('/openapi.json validates as OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc as never);
    assert.equal(validator.version, '3.1');
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
  });

  test('the document lists exactly the routes the server registers', async () => {
    const { createApp } = await import('../../main/api/server.js');
    const pino = (await import('pino')).default;
    const { router } = createApp(s.core, {
      logger: pino({ level: 'silent' }),
      desktopToken: null,
      port: () => 0,
      processMetrics: false,
    });
    const registered = new Set<string>();
    for (const route of router.routes()) registered.add(`${route.method.toLowerCase()} ${route.template}`);
    const documented = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths))
      for (const m of Object.keys(methods)) documented.add(`${m} ${path}`);
    assert.deepEqual([...registered].sort(), [...documented].sort());
    assert.equal(documented.size, Object.keys(contract).length);
  });

  test('every operation documents its error envelope and operationId', () => {
    for (const [name, ep] of Object.entries(contract)) {
      const op = doc.paths[ep.path]?.[ep.method] as unknown as {
        operationId: string;
        responses: Record<string, unknown>;
      };
      assert.equal(op.operationId, name);
      assert.ok(op.responses['500'], `${name} documents 500`);
      if (ep.auth !== 'none') assert.ok(op.responses['401'], `${name} documents 401`);
      if (ep.auth === 'admin') assert.ok(op.responses['403'], `${name} documents 403`);
    }
  });

  test('/docs renders every operation as HTML under a CSP that allows only its own style', async () => {
    const res = await request(`${s.url}/docs`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
    for (const name of Object.keys(contract)) assert.ok(res.text.includes(`id="${name}"`), name);
    assert.match(String(res.headers['content-security-policy']), /style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    assert.ok(!res.text.includes('<script'), 'the docs page needs no script');
  });

  test('the version matches package.json', () => {
    assert.equal(VERSION, JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
  });
});
