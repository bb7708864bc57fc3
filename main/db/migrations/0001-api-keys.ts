import type { Migration } from './types.js';

/** API keys: only an HMAC-SHA256 of the secret is stored, keyed by the data folder's secret. */
export const migration0001: Migration = {
  version: 1,
  name: 'api-keys',
  up(db) {
    db.exec(`
      CREATE TABLE api_keys (
        id            TEXT PRIMARY KEY CHECK (id GLOB 'key_[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
        name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        plan          TEXT NOT NULL CHECK (plan IN ('free', 'builder', 'pro', 'enterprise', 'admin')),
        key_hmac      BLOB NOT NULL CHECK (length(key_hmac) = 32),
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER,
        revoked_at    INTEGER
      ) STRICT;
      CREATE INDEX api_keys_created ON api_keys (created_at DESC);
    `);
  },
};
