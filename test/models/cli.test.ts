import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tmpDataDir } from '../helpers/server.js';
import { makeBlob, serveBlob, sha256, testEntry } from './helpers.js';

/** Runs the CLI from source in a real process (stdout/stderr are pipes, not a TTY). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli-entry.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SPATIALFORGE_RESEARCH_MODE: '', SPATIALFORGE_MODEL_MANIFEST: '', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const BLOB = makeBlob(250_000, 5);

describe('spatialforge models (real process)', () => {
  test('list --json shows the bundled manifest, nothing installed', async () => {
    const d = tmpDataDir();
    try {
      const r = await cli(['--data-dir', d.dir, 'models', 'list', '--json']);
      assert.equal(r.code, 0, r.err);
      const body = JSON.parse(r.out) as { research_mode: boolean; models: { id: string; state: string }[] };
      assert.equal(body.research_mode, false);
      assert.ok(body.models.length >= 7);
      assert.ok(body.models.some((m) => m.id === 'depth-anything-v2-small-fp32'));
      assert.ok(body.models.every((m) => m.state === 'not_installed'));
      const table = await cli(['--data-dir', d.dir, '--research-mode', 'models', 'list']);
      assert.match(table.out, /^ID\tSTATE\tSIZE\tLICENCE\tNAME$/m);
      assert.match(table.out, /^pydnet-pp-448x640-local\tnot_installed\t7\.6 MB\tresearch\t.*\(import only\)$/m);
      assert.doesNotMatch(table.out, /need research mode/, 'no hint when research mode is on');
    } finally {
      d.remove();
    }
  });

  test('import, verify, corrupt → verify exits 1, remove; research gate and errors exit 1 with a message', async () => {
    const d = tmpDataDir();
    const manifest = path.join(d.dir, 'manifest.json');
    const file = path.join(d.dir, 'model.onnx');
    fs.writeFileSync(file, BLOB);
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        schema: 1,
        models: [
          testEntry({ id: 'cli-model', url: null, bytes: BLOB.length, sha256: sha256(BLOB) }),
          testEntry({ id: 'cli-research', url: null, bytes: BLOB.length, sha256: sha256(BLOB), commercial_use: false }),
        ],
      }),
    );
    const env = { SPATIALFORGE_MODEL_MANIFEST: manifest };
    const sf = (...args: string[]) => cli(['--data-dir', d.dir, ...args], env);
    try {
      const imported = await sf('models', 'import', file, '--as', 'cli-model');
      assert.equal(imported.code, 0, imported.err);
      assert.match(imported.out, /Installed cli-model .*SHA-256 verified/);

      const verified = await sf('models', 'verify');
      assert.equal(verified.code, 0, verified.err);
      assert.match(verified.out, /^ok +cli-model$/m);

      const installed = path.join(d.dir, 'models', 'cli-model.onnx');
      const damaged = Buffer.from(BLOB);
      damaged[10] = damaged[10]! ^ 1;
      fs.writeFileSync(installed, damaged);
      const bad = await sf('models', 'verify', 'cli-model');
      assert.equal(bad.code, 1);
      assert.match(bad.out, /^CORRUPT +cli-model: SHA-256 is/m);
      assert.match(bad.err, /error: 1 model failed verification/);

      const removed = await sf('models', 'remove', 'cli-model');
      assert.equal(removed.code, 0, removed.err);
      assert.equal(fs.existsSync(installed), false);

      const refused = await sf('models', 'import', file, '--as', 'cli-research');
      assert.equal(refused.code, 1);
      assert.match(
        refused.err,
        /error: cli-research is research-only .*--research-mode or SPATIALFORGE_RESEARCH_MODE=1/,
      );
      const allowed = await sf('--research-mode', 'models', 'import', file, '--as', 'cli-research');
      assert.equal(allowed.code, 0, allowed.err);

      const wrong = path.join(d.dir, 'wrong.onnx');
      fs.writeFileSync(wrong, makeBlob(BLOB.length, 6));
      const mismatch = await sf('models', 'import', wrong, '--as', 'cli-model');
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.err, /error: .*wrong\.onnx is not cli-model: its SHA-256 is/);
      const noUrl = await sf('models', 'pull', 'cli-model');
      assert.equal(noUrl.code, 1);
      assert.match(noUrl.err, /error: cli-model has no download URL .*models import FILE --as cli-model/);
      const unknown = await sf('models', 'pull', 'no-such-model');
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /error: no model "no-such-model" in the manifest/);
      const usage = await sf('models', 'import', file);
      assert.equal(usage.code, 2);
      assert.match(usage.err, /--as/);

      fs.writeFileSync(manifest, '{"schema": 1, "models": [{"id": 3}]}');
      const broken = await sf('models', 'list');
      assert.equal(broken.code, 1);
      assert.match(broken.err, /error: the model manifest .*manifest\.json is not a valid model manifest at models\.0/);
    } finally {
      d.remove();
    }
  });

  test('pull downloads from a local server with progress lines on a non-TTY stderr', async () => {
    const d = tmpDataDir();
    const server = await serveBlob(BLOB, ['range']);
    const manifest = path.join(d.dir, 'manifest.json');
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        schema: 1,
        models: [testEntry({ id: 'cli-model', url: server.url, bytes: BLOB.length, sha256: sha256(BLOB) })],
      }),
    );
    try {
      const r = await cli(['--data-dir', d.dir, 'models', 'pull', 'cli-model'], {
        SPATIALFORGE_MODEL_MANIFEST: manifest,
      });
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Installed cli-model \(0\.2 MB, SHA-256 verified\)/);
      assert.match(r.err, /^cli-model: 100% +0\.2\/0\.2 MB +[\d.]+ MB\/s$/m);
      assert.doesNotMatch(r.err, /\r/, 'no bar redraws when stderr is not a TTY');
      const again = await cli(['--data-dir', d.dir, 'models', 'pull', 'cli-model'], {
        SPATIALFORGE_MODEL_MANIFEST: manifest,
      });
      assert.match(again.out, /already installed/);
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
      d.remove();
    }
  });

  test('Ctrl-C during pull exits 130 and keeps a .part that the next pull resumes', async () => {
    const d = tmpDataDir();
    const big = makeBlob(2_000_000, 8);
    const server = await serveBlob(big, ['slow'], { delayMs: 20 });
    const manifest = path.join(d.dir, 'manifest.json');
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        schema: 1,
        models: [testEntry({ id: 'cli-model', url: server.url, bytes: big.length, sha256: sha256(big) })],
      }),
    );
    const env = { ...process.env, SPATIALFORGE_RESEARCH_MODE: '', SPATIALFORGE_MODEL_MANIFEST: manifest };
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'main/cli-entry.ts', '--data-dir', d.dir, 'models', 'pull', 'cli-model'],
        { stdio: ['ignore', 'pipe', 'pipe'], env },
      );
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (/cli-model: +\d+%/.test(err) && !child.killed) child.kill('SIGINT');
      });
      const code = await new Promise((r) => child.on('exit', r));
      assert.equal(code, 130, err);
      assert.match(
        err,
        /error: interrupted; the partial download is kept: run "spatialforge models pull cli-model" to resume/,
      );
      const part = path.join(d.dir, 'models', '.partial', 'cli-model.onnx.part');
      const kept = fs.statSync(part).size;
      assert.ok(kept > 0 && kept < big.length, `kept ${kept}`);
      assert.equal(fs.existsSync(path.join(d.dir, 'models', '.partial', 'cli-model.lock')), false, 'lock released');

      const resumed = await cli(['--data-dir', d.dir, 'models', 'pull', 'cli-model'], {
        SPATIALFORGE_MODEL_MANIFEST: manifest,
      });
      assert.equal(resumed.code, 0, resumed.err);
      assert.match(resumed.err, /resuming from/);
      assert.equal(server.requests.at(-1)?.range, `bytes=${kept}-`);
      assert.equal(sha256(fs.readFileSync(path.join(d.dir, 'models', 'cli-model.onnx'))), sha256(big));
    } finally {
      await server.close();
      d.remove();
    }
  });
});
