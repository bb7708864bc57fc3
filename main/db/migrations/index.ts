import { migration0001 } from './0001-api-keys.js';
import { migration0002 } from './0002-usage.js';
import { migration0003 } from './0003-artifacts.js';
import { migration0004 } from './0004-models.js';
import { migration0005 } from './0005-jobs.js';
import type { Migration } from './types.js';

export type { Migration } from './types.js';

/** All migrations, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
];
