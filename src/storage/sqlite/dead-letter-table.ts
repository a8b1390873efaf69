import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { DeadLetterQuery, DeadLetterRecord } from '../store.js';
import { DEAD_LETTER_TABLE } from './schema.js';

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

interface DeadLetterRow {
  at: number;
  service: string;
  metric: string;
  type: string;
  tags: string;
  start: number | null;
  count: number | null;
  sum: string;
  min: string;
  max: string;
  last: string;
  reason: string;
  source: string | null;
  partition: number | null;
  offset: number | null;
}

export function readDeadLetters(db: Db, query: DeadLetterQuery): DeadLetterRecord[] {
  const rows = db
    .prepare(
      `SELECT at, service, metric, type, tags, start, count, sum, min, max, last, reason, source,
              partition, "offset" AS offset
       FROM ${DEAD_LETTER_TABLE} ORDER BY id DESC LIMIT ? OFFSET ?`,
    )
    .all(query.limit, query.offset) as DeadLetterRow[];
  return rows.map((r) => ({
    at: r.at,
    service: r.service,
    metric: r.metric,
    type: r.type,
    tags: r.tags,
    start: r.start ?? Number.NaN,
    count: r.count ?? Number.NaN,
    sum: r.sum,
    min: r.min,
    max: r.max,
    last: r.last,
    reason: r.reason,
    checkpoint:
      r.source === null || r.partition === null || r.offset === null
        ? undefined
        : { source: r.source, partition: r.partition, offset: r.offset },
  }));
}
