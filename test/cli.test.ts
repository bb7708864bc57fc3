import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, test } from 'node:test';
import { main } from '../main/cli.js';
import { tmpDataDir } from './helpers/server.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('spatialforge CLI', () => {
  test('keys create | list | revoke round trip, with JSON output', async () => {
    const d = tmpDataDir();
    try {
      const created = await run(['--data-dir', d.dir, 'keys', 'create', '--name', 'laptop', '--plan', 'pro', '--json']);
      assert.equal(created.code, 0, created.err);
      const key = JSON.parse(created.out);
      assert.match(key.key, /^sf_/);
      assert.equal(key.plan, 'pro');

      const listed = await run(['--data-dir', d.dir, 'keys', 'list', '--json']);
      assert.deepEqual(
        JSON.parse(listed.out).keys.map((k: { id: string }) => k.id),
        [key.id],
      );
      const table = await run(['--data-dir', d.dir, 'keys', 'list']);
      assert.match(table.out, new RegExp(`${key.id}\\tpro\\t0/50000`));
      assert.ok(!table.out.includes(key.key), 'list never shows the secret');

      const revoked = await run(['--data-dir', d.dir, 'keys', 'revoke', key.id]);
      assert.equal(revoked.code, 0);
      assert.equal(JSON.parse((await run(['--data-dir', d.dir, 'keys', 'list', '--json'])).out).keys.length, 0);
      assert.equal(
        JSON.parse((await run(['--data-dir', d.dir, 'keys', 'list', '--all', '--json'])).out).keys.length,
        1,
      );
    } finally {
      d.remove();
    }
  });

  test('bad input → clear message and non-zero exit', async () => {
    const d = tmpDataDir();
    try {
      const badPlan = await run(['--data-dir', d.dir, 'keys', 'create', '--name', 'x', '--plan', 'gold']);
      assert.equal(badPlan.code, 2);
      assert.match(badPlan.err, /must be one of free, builder, pro, enterprise, admin/);
      const noName = await run(['--data-dir', d.dir, 'keys', 'create']);
      assert.equal(noName.code, 2);
      assert.match(noName.err, /--name/);
      const blankName = await run(['--data-dir', d.dir, 'keys', 'create', '--name', '   ']);
      assert.equal(blankName.code, 1);
      const badId = await run(['--data-dir', d.dir, 'keys', 'revoke', '../../etc']);
      assert.equal(badId.code, 1);
      assert.match(badId.err, /is not a key id/);
      const unknown = await run(['--data-dir', d.dir, 'keys', 'revoke', 'key_000000000000']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /no API key key_000000000000/);
      const badCommand = await run(['frobnicate']);
      assert.equal(badCommand.code, 2);
      assert.match(badCommand.err, /unknown command/);
      const badPort = await run(['serve', '--port', '99999']);
      assert.equal(badPort.code, 2);
      assert.match(badPort.err, /port number/);
    } finally {
      d.remove();
    }
  });

  test('--help works at every level', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['keys', '--help'],
      ['keys', 'create', '--help'],
      ['doctor', '--help'],
      ['models', '--help'],
      ['models', 'pull', '--help'],
      ['models', 'import', '--help'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.out, /Usage: spatialforge/);
    }
  });

  test('doctor reports data folder, database, ONNX providers and disk', async () => {
    const d = tmpDataDir();
    try {
      const r = await run(['--data-dir', d.dir, 'doctor', '--json']);
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out);
      const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
      assert.equal(byName['data folder'].ok, true);
      assert.match(byName.database.detail, /schema 5\/5/);
      assert.match(byName.onnxruntime.detail, /execution providers: .*cpu/);
      assert.ok('ffmpeg' in byName && 'free disk' in byName);
    } finally {
      d.remove();
    }
  });

  test('doctor fails when the data folder cannot be used', async () => {
    const r = await run(['--data-dir', '/proc/version/nope', 'doctor']);
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL {2}data folder/);
  });

  test('serve on a port in use → clear error, exit 1', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const d = tmpDataDir();
    try {
      const child = spawn(
        process.execPath,
        ['bin/spatialforge.js', '--data-dir', d.dir, 'serve', '--port', String(port)],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise((r) => child.on('exit', r));
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`port ${port} on 127.0.0.1 is in use`));
    } finally {
      blocker.close();
      d.remove();
    }
  });
});
