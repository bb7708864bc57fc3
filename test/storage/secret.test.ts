import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { resolveDataDir } from '../../main/storage/dataDir.js';
import { loadOrCreateSecret, SECRET_FILE } from '../../main/storage/secret.js';
import { tmpDataDir } from '../helpers/server.js';

test(
  'secret › generated once, 32 bytes, owner-only, stable across loads',
  { skip: process.platform === 'win32' },
  () => {
    const d = tmpDataDir();
    try {
      const a = loadOrCreateSecret(d.dir);
      const b = loadOrCreateSecret(d.dir);
      assert.equal(a.length, 32);
      assert.deepEqual(a, b);
      assert.equal(fs.statSync(path.join(d.dir, SECRET_FILE)).mode & 0o777, 0o600);
      assert.deepEqual(fs.readdirSync(d.dir), [SECRET_FILE], 'no temp files left behind');
    } finally {
      d.remove();
    }
  },
);

test('secret › a corrupt secret is an error, never silently replaced', () => {
  const d = tmpDataDir();
  try {
    fs.writeFileSync(path.join(d.dir, SECRET_FILE), 'truncated', { mode: 0o600 });
    assert.throws(() => loadOrCreateSecret(d.dir), /corrupt/);
    assert.equal(fs.readFileSync(path.join(d.dir, SECRET_FILE), 'utf8'), 'truncated');
  } finally {
    d.remove();
  }
});

test('secret › loosened permissions are tightened again', { skip: process.platform === 'win32' }, () => {
  const d = tmpDataDir();
  try {
    loadOrCreateSecret(d.dir);
    fs.chmodSync(path.join(d.dir, SECRET_FILE), 0o644);
    loadOrCreateSecret(d.dir);
    assert.equal(fs.statSync(path.join(d.dir, SECRET_FILE)).mode & 0o777, 0o600);
  } finally {
    d.remove();
  }
});

test('data folder › flag beats env beats OS convention', () => {
  const env = { SPATIALFORGE_DATA_DIR: '/env/dir', XDG_DATA_HOME: '/xdg', APPDATA: 'C:\\Users\\u\\AppData\\Roaming' };
  assert.equal(resolveDataDir('/flag', env, 'linux', '/home/u'), '/flag');
  assert.equal(resolveDataDir(undefined, env, 'linux', '/home/u'), '/env/dir');
  assert.equal(resolveDataDir(undefined, { XDG_DATA_HOME: '/xdg' }, 'linux', '/home/u'), '/xdg/spatialforge');
  assert.equal(resolveDataDir(undefined, {}, 'linux', '/home/u'), '/home/u/.local/share/spatialforge');
  assert.equal(
    resolveDataDir(undefined, {}, 'darwin', '/Users/u'),
    '/Users/u/Library/Application Support/SpatialForge',
  );
  assert.match(
    resolveDataDir(undefined, { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u'),
    /SpatialForge$/,
  );
});
