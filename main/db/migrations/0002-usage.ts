import type { Migration } from './types.js';

/** Monthly request counters per key, for quotas and the usage shown to users. */
export const migration0002: Migration = {
  version: 2,
  name: 'usage',
  up(db) {
    db.exec(`
      CREATE TABLE usage_monthly (
        key_id   TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        period   TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
        requests INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
        PRIMARY KEY (key_id, period)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
