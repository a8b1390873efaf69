import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { DeadLetterQuery, DeadLetterRecord } from '../store.js';
import { DEAD_LETTER_TABLE } from './schema.js';
import { fromStoredRow } from '../dead-letters.js';
import type { StoredDeadLetterRow } from '../dead-letters.js';

/**
 * SQLite's answers that blame the row being written, not the store: the same row fails the same
 * way however often it is retried. Busy, locked, full, I/O and the like are the store's and pass.
 */
const RECORD_ERROR_CODES = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/;

/**
 * Whether a failed write failed because of what it wrote. A RangeError is one of our codecs
 * refusing the bytes of a stored or given sketch (QuantileSketch.decode), as sketch_merge reports
 * it from inside SQLite.
 */
export function isRecordError(err: unknown): boolean {
  if (err instanceof Database.SqliteError) return RECORD_ERROR_CODES.test(err.code);
  return err instanceof RangeError;
}

export function readDeadLetters(db: Db, query: DeadLetterQuery): DeadLetterRecord[] {
  const rows = db
    .prepare(
      `SELECT at, service, metric, type, tags, start, count, sum, min, max, last, reason, source,
              partition, "offset" AS offset
       FROM ${DEAD_LETTER_TABLE} ORDER BY id DESC LIMIT ? OFFSET ?`,
    )
    .all(query.limit, query.offset) as StoredDeadLetterRow[];
  return rows.map(fromStoredRow);
}
