import type { Database } from 'better-sqlite3';
import { TIERS } from '../../core/index.js';
import type { Aggregate, Tier } from '../../core/index.js';

/** Name of the aggregate table of a tier: agg_1m, agg_5m, agg_1h, agg_1d. */
export function tierTable(tier: string): string {
  return `agg_${tier}`;
}

const SCHEMA_VERSION = 5;

/** Aggregates set aside because they can never be stored (src/storage/dead-letters.ts). */
export const DEAD_LETTER_TABLE = 'dead_letter';

/** Where each cumulative series stood after the last write (src/core/cumulative.ts, encodePosition). */
export const POSITION_TABLE = 'cumulative_position';

/** A few exemplars per series-minute (src/storage/sqlite/exemplar-table.ts). */
export const EXEMPLAR_TABLE = 'exemplar';

/**
 * The columns after `count` that hold an aggregate's values, the same in the tier tables and the
 * fallback outbox (storage/outbox/outbox-schema.ts): `last` with its time, the sketch encoded.
 */
export const AGGREGATE_VALUE_COLUMNS = `sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  last REAL NOT NULL,
  last_ts INTEGER NOT NULL,
  sketch BLOB`;

/** An aggregate's values for `count` and then AGGREGATE_VALUE_COLUMNS, in their order. */
export function aggregateValues(
  a: Aggregate,
  sketch: Buffer | null,
): [number, number, number, number, number, number, Buffer | null] {
  return [a.count, a.sum, a.min, a.max, a.last, a.lastTimestamp, sketch];
}

/**
 * The embedded schema. Aggregate rows are clustered by (metric, bucket start, series), so that a
 * query of one metric over a time range reads one contiguous run of each tier's B-tree.
 */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `the store was written by a newer Vantage (schema ${current}, this one knows ${SCHEMA_VERSION})`,
    );
  }
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    if (current < 1) createVersion1(db);
    // Numbers as text: what is set aside may be NaN or Infinity, which SQLite cannot hold.
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${DEAD_LETTER_TABLE} (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        service TEXT NOT NULL,
        metric TEXT NOT NULL,
        type TEXT NOT NULL,
        tags TEXT NOT NULL,
        start REAL,
        count REAL,
        sum TEXT NOT NULL,
        min TEXT NOT NULL,
        max TEXT NOT NULL,
        last TEXT NOT NULL,
        reason TEXT NOT NULL,
        source TEXT,
        partition INTEGER,
        "offset" INTEGER
      );
    `);
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${POSITION_TABLE} (
        key TEXT PRIMARY KEY,
        at REAL NOT NULL,
        position BLOB NOT NULL
      ) WITHOUT ROWID;
    `);
    // start: the minute; ts: the exemplar's own time. Ids as lower-case hex text ('' if absent).
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${EXEMPLAR_TABLE} (
        metric_id INTEGER NOT NULL,
        start INTEGER NOT NULL,
        series_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        value REAL NOT NULL,
        trace_id TEXT NOT NULL,
        span_id TEXT NOT NULL,
        PRIMARY KEY (metric_id, start, series_id, ts, value, trace_id, span_id)
      ) WITHOUT ROWID;
    `);
    if (current < 5) createRollupTables(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/**
 * Every series of a metric merged, per tier bucket: `metric_agg_<tier>(metric_id, start, count,
 * sum, min, max, last, last_ts, sketch)`. A panel over all of a metric's series (the most common
 * one) reads one row per bucket here instead of one per series-bucket: 288 rows for a day at 5
 * minutes, not 288,000 for 1,000 series. Kept in the write transaction of the tier rows it sums, so
 * it never disagrees with them, and trimmed with them by retention.
 */
export function rollupTable(tier: Tier['name']): string {
  return `metric_agg_${tier}`;
}

/** Creates the rollup tables and fills them from the tier rows already stored (schema version 5). */
export function createRollupTables(db: Database): void {
  for (const tier of TIERS) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${rollupTable(tier.name)} (
        metric_id INTEGER NOT NULL,
        start INTEGER NOT NULL,
        count REAL NOT NULL,
        ${AGGREGATE_VALUE_COLUMNS},
        PRIMARY KEY (metric_id, start)
      ) WITHOUT ROWID;
    `);
    // last_by_time and sketch_union are the store's own SQL functions (sqlite-connection.ts).
    db.exec(`
      INSERT INTO ${rollupTable(tier.name)} (metric_id, start, count, sum, min, max, last, last_ts, sketch)
      SELECT metric_id, start, sum(count), sum(sum), min(min), max(max), last_by_time(last, last_ts),
             max(last_ts), sketch_union(sketch)
      FROM ${tierTable(tier.name)} GROUP BY metric_id, start
    `);
  }
}

function createVersion1(db: Database): void {
  {
    db.exec(`
      CREATE TABLE IF NOT EXISTS metric (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        name TEXT NOT NULL,
        last_seen INTEGER NOT NULL DEFAULT 0,
        UNIQUE (service, name)
      );
      CREATE TABLE IF NOT EXISTS series (
        id INTEGER PRIMARY KEY,
        metric_id INTEGER NOT NULL REFERENCES metric (id),
        type TEXT NOT NULL,
        tags TEXT NOT NULL,
        UNIQUE (metric_id, type, tags)
      );
      CREATE TABLE IF NOT EXISTS checkpoint (
        source TEXT NOT NULL,
        partition INTEGER NOT NULL,
        "offset" INTEGER NOT NULL,
        PRIMARY KEY (source, partition)
      ) WITHOUT ROWID;
    `);
    for (const tier of TIERS) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS ${tierTable(tier.name)} (
          metric_id INTEGER NOT NULL,
          start INTEGER NOT NULL,
          series_id INTEGER NOT NULL,
          count REAL NOT NULL,
          ${AGGREGATE_VALUE_COLUMNS},
          PRIMARY KEY (metric_id, start, series_id)
        ) WITHOUT ROWID;
      `);
    }
  }
}
