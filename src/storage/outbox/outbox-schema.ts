import type { Database } from 'better-sqlite3';
import Sqlite from 'better-sqlite3';
import type { Aggregate } from '../../core/index.js';
import { AGGREGATE_VALUE_COLUMNS } from '../sqlite/schema.js';

/** 'VTOB' in the file header: marks a Vantage outbox, so a reader refuses any other SQLite file. */
export const OUTBOX_APPLICATION_ID = 0x56544f42;
const SCHEMA_VERSION = 1;

/** An aggregate as an outbox row holds it: its sketch still encoded. */
export type EncodedAggregate = Omit<Aggregate, 'sketch'> & { readonly sketch: Buffer | null };

/** The columns of `outbox_series s` joined to `outbox_row r` that read as an EncodedAggregate. */
export const ENCODED_AGGREGATE_COLUMNS =
  's.service, s.name, s.type, s.tags, r.start, r.count, r.sum, r.min, r.max, r.last, r.last_ts AS lastTimestamp, r.sketch';

/**
 * The fallback outbox file. One row of `outbox_batch` per worker batch that could not go to
 * ClickHouse, in append order (the replay order), with the checkpoint whose deduplication token
 * the batch carries; its minute aggregates in `outbox_row`, in the order the worker folded them
 * (a replay sends the same rows in the same order). `outbox_series` names each series once.
 */
export function migrateOutbox(db: Database): void {
  const id = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const empty = (
    db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as {
      n: number;
    }
  ).n;
  if (id !== OUTBOX_APPLICATION_ID && !(id === 0 && empty === 0)) {
    throw new Error('not a Vantage fallback outbox (another SQLite file is at this path)');
  }
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the outbox was written by a newer Vantage (schema ${version}, this one knows ${SCHEMA_VERSION})`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(`
      CREATE TABLE outbox_batch (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        partition INTEGER NOT NULL,
        first_offset INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        messages INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        oldest INTEGER NOT NULL,
        appended_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL
      );
      CREATE TABLE outbox_series (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        tags TEXT NOT NULL,
        UNIQUE (service, name, type, tags)
      );
      CREATE TABLE outbox_row (
        batch_id INTEGER NOT NULL,
        ord INTEGER NOT NULL,
        series_id INTEGER NOT NULL,
        start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        ${AGGREGATE_VALUE_COLUMNS},
        PRIMARY KEY (batch_id, ord)
      ) WITHOUT ROWID;
      CREATE INDEX outbox_row_by_series ON outbox_row (series_id, start);
    `);
    db.pragma(`application_id = ${OUTBOX_APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/**
 * A connection to an outbox. The worker's is the only writer: WAL lets the query API read beside
 * it, and synchronous=FULL makes an append durable when its transaction returns, which is when the
 * worker commits the batch's Kafka offset.
 */
export function openOutboxDatabase(path: string, mode: 'write' | 'read'): Database {
  const db = new Sqlite(path, mode === 'read' ? { readonly: true, fileMustExist: true } : {});
  if (mode === 'write') {
    // Before the first table (and before WAL, which writes the header): lets a drained outbox give
    // its pages back to the file system. A no-op on an existing file.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // The WAL shrinks back to this after checkpoints, however large an outage made it.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  }
  db.pragma('busy_timeout = 5000');
  return db;
}
