import type { Database } from 'better-sqlite3';

/**
 * The embedded trace schema, in a file of its own beside the metric store's (`traces.db`): SQLite
 * has one writer per file, so spans (tens of thousands a second) and aggregates never wait for
 * each other's transactions, and span retention's large deletes neither lock nor bloat the metric
 * file. Each file has its own WAL and `synchronous = FULL` (sqlite-connection.ts).
 *
 * Ids are stored as bytes (16 and 8, '' parent as an empty blob): half the size of hex, in the
 * table and in its indexes. Times are epoch nanoseconds in 64-bit integers, exactly as OTLP sends
 * them. Attributes, events and links are JSON text: returned as they came, searched with `->`.
 */
const TRACE_SCHEMA_VERSION = 1;

export const SPAN_TABLE = 'span';
export const TRACE_SUMMARY_TABLE = 'trace_summary';
export const SPAN_DEAD_LETTER_TABLE = 'span_dead_letter';

export function migrateTraces(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > TRACE_SCHEMA_VERSION) {
    throw new Error(
      `the trace store was written by a newer Vantage (schema ${current}, this one knows ${TRACE_SCHEMA_VERSION})`,
    );
  }
  if (current === TRACE_SCHEMA_VERSION) return;
  db.transaction(() => {
    // A rowid table (rows are large: a WITHOUT ROWID B-tree would hold them in its interior
    // pages); the unique index on (trace_id, span_id) is both the idempotence of writes and the
    // trace-by-id lookup.
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${SPAN_TABLE} (
        trace_id BLOB NOT NULL,
        span_id BLOB NOT NULL,
        parent_span_id BLOB NOT NULL,
        service TEXT NOT NULL,
        name TEXT NOT NULL,
        kind INTEGER NOT NULL,
        start_ns INTEGER NOT NULL,
        duration_ns INTEGER NOT NULL,
        status INTEGER NOT NULL,
        status_message TEXT NOT NULL,
        attributes TEXT NOT NULL,
        events TEXT NOT NULL,
        links TEXT NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS span_by_id ON ${SPAN_TABLE} (trace_id, span_id);
      -- Covering for every search condition but tags: a search over an hour reads index entries
      -- only (bench/trace-bench.ts: p99 1.4 s over 3 M spans without them, on rows).
      CREATE INDEX IF NOT EXISTS span_by_service ON ${SPAN_TABLE} (service, start_ns, name, status, duration_ns, trace_id);
      CREATE INDEX IF NOT EXISTS span_by_start ON ${SPAN_TABLE} (start_ns, status, duration_ns, trace_id);
      CREATE TABLE IF NOT EXISTS ${TRACE_SUMMARY_TABLE} (
        trace_id BLOB PRIMARY KEY,
        start_ns INTEGER NOT NULL,
        end_ns INTEGER NOT NULL,
        span_count INTEGER NOT NULL,
        error_count INTEGER NOT NULL,
        root_has_parent INTEGER NOT NULL,
        root_start_ns INTEGER NOT NULL,
        root_span_id BLOB NOT NULL,
        root_service TEXT NOT NULL,
        root_operation TEXT NOT NULL,
        services TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS trace_summary_by_start ON ${TRACE_SUMMARY_TABLE} (start_ns);
      CREATE TABLE IF NOT EXISTS ${SPAN_DEAD_LETTER_TABLE} (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        trace_id TEXT NOT NULL,
        span_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        span TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS service_operation (
        service TEXT NOT NULL,
        name TEXT NOT NULL,
        last_seen_ns INTEGER NOT NULL,
        PRIMARY KEY (service, name)
      ) WITHOUT ROWID;
    `);
    db.pragma(`user_version = ${TRACE_SCHEMA_VERSION}`);
  })();
}
