import type { Migration } from './types.js';

/**
 * Installed models. A row says "this file was verified once": the file is
 * `<dataDir>/models/<id>.onnx` and is installed only when both the row and the file exist.
 * `corrupt_reason` is set when a later check found the file damaged.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'models',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id             TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9.-]*' AND length(id) BETWEEN 2 AND 81),
        sha256         TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
        bytes          INTEGER NOT NULL CHECK (bytes > 0),
        source         TEXT NOT NULL CHECK (source IN ('download', 'import')),
        installed_at   INTEGER NOT NULL,
        verified_at    INTEGER NOT NULL,
        corrupt_reason TEXT
      ) STRICT;
    `);
  },
};
