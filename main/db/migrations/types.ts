import type { Database } from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3 … in file order; never reused, never edited once released. */
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}
