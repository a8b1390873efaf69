import type { Database } from 'better-sqlite3';
import { TIERS } from '../../src/core/index.js';
import {
  TAG_ROLLUP_KEY_TABLE,
  TAG_ROLLUP_VALUE_TABLE,
  tagRollupTable,
} from '../../src/storage/sqlite/schema.js';

/** Turns an embedded store's file back into what schema 5 left: no tag rollup tables. */
export function asSchema5(db: Database): void {
  for (const t of TIERS) db.exec(`DROP TABLE ${tagRollupTable(t.name)}`);
  db.exec(`DROP TABLE ${TAG_ROLLUP_KEY_TABLE}; DROP TABLE ${TAG_ROLLUP_VALUE_TABLE}`);
  db.pragma('user_version = 5');
}
