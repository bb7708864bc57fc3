import type { Migration } from './types.js';

/**
 * The artifact index. Files live content-addressed under `artifacts/sha256/`; several rows may
 * share one blob. A blob is deleted when its last row expires.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'artifacts',
  up(db) {
    db.exec(`
      CREATE TABLE artifacts (
        id            TEXT PRIMARY KEY CHECK (length(id) = 28 AND id GLOB 'art_*'),
        sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
        size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),
        content_type  TEXT NOT NULL,
        filename      TEXT NOT NULL,
        owner_key_id  TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
        created_at    INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX artifacts_expires ON artifacts (expires_at);
      CREATE INDEX artifacts_sha256 ON artifacts (sha256);
    `);
  },
};
