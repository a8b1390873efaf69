import type { Database } from 'better-sqlite3';
import { TIERS } from '../../core/index.js';
import type { Aggregate, Tier } from '../../core/index.js';

/** Name of the aggregate table of a tier: agg_1m, agg_5m, agg_1h, agg_1d. */
export function tierTable(tier: string): string {
  return `agg_${tier}`;
}

const SCHEMA_VERSION = 6;

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

/**
 * How rows of aggregates (alias `a`) merge into one, per value column (`count`, then
 * AGGREGATE_VALUE_COLUMNS), in the columns' order: what fills the rollups from the tier rows and
 * what the VQL compiler merges a series' rows with. last_by_time and sketch_union are the store's
 * own SQL functions (sqlite-connection.ts).
 */
export const MERGED_VALUE_COLUMNS = [
  ['count', 'sum(a.count)'],
  ['sum', 'sum(a.sum)'],
  ['min', 'min(a.min)'],
  ['max', 'max(a.max)'],
  ['last', 'last_by_time(a.last, a.last_ts)'],
  // The time of the value last_by_time picks: the latest one.
  ['last_ts', 'max(a.last_ts)'],
  ['sketch', 'sketch_union(a.sketch)'],
] as const;

const MERGED_VALUES_SQL = MERGED_VALUE_COLUMNS.map(([, sql]) => sql).join(', ');

/** The key columns of a table of aggregates, in the order of its primary key. */
interface AggregateKey {
  /** Column declarations, e.g. `metric_id INTEGER NOT NULL`. */
  readonly columns: readonly string[];
  /** Primary key order, which is how the table is clustered. */
  readonly primaryKey: readonly string[];
}

/** Tier rows: clustered by (metric, bucket start, series). */
const TIER_KEY: AggregateKey = {
  columns: ['metric_id INTEGER NOT NULL', 'start INTEGER NOT NULL', 'series_id INTEGER NOT NULL'],
  primaryKey: ['metric_id', 'start', 'series_id'],
};

/** Metric rollup rows (rollupTable): one per metric and bucket. */
const ROLLUP_KEY: AggregateKey = {
  columns: ['metric_id INTEGER NOT NULL', 'start INTEGER NOT NULL'],
  primaryKey: ['metric_id', 'start'],
};

/**
 * Tag rollup rows (tagRollupTable): clustered by (metric, key, bucket start, value), so that a
 * panel grouped by one key reads one contiguous run of its range, every value of a bucket together.
 */
const TAG_ROLLUP_KEY: AggregateKey = {
  columns: [
    'metric_id INTEGER NOT NULL',
    'tag_key TEXT NOT NULL',
    'tag_value TEXT NOT NULL',
    'start INTEGER NOT NULL',
  ],
  primaryKey: ['metric_id', 'tag_key', 'start', 'tag_value'],
};

function createAggregateTable(db: Database, table: string, key: AggregateKey): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${table} (
      ${key.columns.join(',\n      ')},
      count REAL NOT NULL,
      ${AGGREGATE_VALUE_COLUMNS},
      PRIMARY KEY (${key.primaryKey.join(', ')})
    ) WITHOUT ROWID;
  `);
}

/**
 * The upsert of an aggregate into a table of aggregates (tier rows and both rollups): counts and
 * sums add, min/max compare, the later `last` wins (ties to the larger value, as `laterWins` in
 * core/aggregate.ts), sketches merge. Its parameters: the key columns, then aggregateValues.
 */
export function mergeUpsertSql(table: string, keyColumns: readonly string[]): string {
  const names = [...keyColumns, 'count', 'sum', 'min', 'max', 'last', 'last_ts', 'sketch'];
  return `
    INSERT INTO ${table} (${names.join(', ')})
    VALUES (${names.map(() => '?').join(', ')})
    ON CONFLICT DO UPDATE SET
      count = count + excluded.count,
      sum = sum + excluded.sum,
      min = min(min, excluded.min),
      max = max(max, excluded.max),
      last = CASE WHEN excluded.last_ts > last_ts OR (excluded.last_ts = last_ts AND excluded.last > last)
                  THEN excluded.last ELSE last END,
      last_ts = max(last_ts, excluded.last_ts),
      sketch = sketch_merge(sketch, excluded.sketch)`;
}

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
    if (current < 6) createTagRollupTables(db);
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
    createAggregateTable(db, rollupTable(tier.name), ROLLUP_KEY);
    db.exec(`
      INSERT INTO ${rollupTable(tier.name)} (metric_id, start, count, sum, min, max, last, last_ts, sketch)
      SELECT a.metric_id, a.start, ${MERGED_VALUES_SQL}
      FROM ${tierTable(tier.name)} AS a GROUP BY a.metric_id, a.start
    `);
  }
}

/**
 * Per tag value rollups: for a metric's tag key with few values, the series that carry each value
 * merged per tier bucket, `tag_agg_<tier>(metric_id, tag_key, tag_value, start, ...)`. A panel
 * grouped or filtered by that one key (`avg by region`, `region = 'eu'`) reads a row per value and
 * bucket: about a thousand for a day at 5 minutes, not 288,000. Written in the transaction of the
 * tier rows, trimmed with them by retention (src/storage/sqlite/tag-rollup.ts).
 */
export function tagRollupTable(tier: Tier['name']): string {
  return `tag_agg_${tier}`;
}

/**
 * Which keys of a metric are rolled up (`open` 1) or were and grew past TAG_ROLLUP_MAX_VALUES (0,
 * for good: their rows are gone and reads scan the series). At most TAG_ROLLUP_MAX_KEYS a metric.
 */
export const TAG_ROLLUP_KEY_TABLE = 'tag_rollup_key';

/** The values seen of each open key, to know when it passes TAG_ROLLUP_MAX_VALUES. */
export const TAG_ROLLUP_VALUE_TABLE = 'tag_rollup_value';

/**
 * Values a key may have and still be rolled up. A rollup pays when a value holds many series:
 * 64 values make 64 rows per bucket, which the read still merges in well under a millisecond per
 * bucket of a day, while the write adds at most 64 upserts per key and bucket whatever the series.
 * Keys such as region, zone, env, status or method fit; per-host or per-pod keys pass it at once.
 */
export const TAG_ROLLUP_MAX_VALUES = 64;

/**
 * Keys of one metric that get a rollup, the first ones seen (in key order when a store of schema 5
 * is migrated). Each rolled key costs the write one merge per aggregate; past these, none.
 */
export const TAG_ROLLUP_MAX_KEYS = 8;

/**
 * Creates the tag rollup tables and fills them from the series and tier rows already stored
 * (schema version 6): a key is rolled up when it is among its metric's first TAG_ROLLUP_MAX_KEYS
 * and has at most TAG_ROLLUP_MAX_VALUES values.
 */
export function createTagRollupTables(db: Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${TAG_ROLLUP_KEY_TABLE} (
      metric_id INTEGER NOT NULL,
      tag_key TEXT NOT NULL,
      open INTEGER NOT NULL,
      PRIMARY KEY (metric_id, tag_key)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${TAG_ROLLUP_VALUE_TABLE} (
      metric_id INTEGER NOT NULL,
      tag_key TEXT NOT NULL,
      tag_value TEXT NOT NULL,
      PRIMARY KEY (metric_id, tag_key, tag_value)
    ) WITHOUT ROWID;
  `);
  db.exec(`
    INSERT INTO ${TAG_ROLLUP_KEY_TABLE} (metric_id, tag_key, open)
    SELECT metric_id, key, n <= ${TAG_ROLLUP_MAX_VALUES} FROM (
      SELECT s.metric_id, j.key, count(DISTINCT j.value) AS n,
             row_number() OVER (PARTITION BY s.metric_id ORDER BY j.key) AS rank
      FROM series s, json_each(s.tags) j GROUP BY s.metric_id, j.key)
    WHERE rank <= ${TAG_ROLLUP_MAX_KEYS};
    INSERT INTO ${TAG_ROLLUP_VALUE_TABLE} (metric_id, tag_key, tag_value)
    SELECT DISTINCT s.metric_id, j.key, j.value FROM series s, json_each(s.tags) j
    JOIN ${TAG_ROLLUP_KEY_TABLE} k ON k.metric_id = s.metric_id AND k.tag_key = j.key AND k.open = 1;
  `);
  for (const tier of TIERS) {
    createAggregateTable(db, tagRollupTable(tier.name), TAG_ROLLUP_KEY);
    db.exec(`
      INSERT INTO ${tagRollupTable(tier.name)}
        (metric_id, tag_key, tag_value, start, count, sum, min, max, last, last_ts, sketch)
      SELECT a.metric_id, j.key, j.value, a.start, ${MERGED_VALUES_SQL}
      FROM ${tierTable(tier.name)} a JOIN series s ON s.id = a.series_id, json_each(s.tags) j
      JOIN ${TAG_ROLLUP_KEY_TABLE} k ON k.metric_id = a.metric_id AND k.tag_key = j.key AND k.open = 1
      GROUP BY a.metric_id, j.key, a.start, j.value
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
      createAggregateTable(db, tierTable(tier.name), TIER_KEY);
    }
  }
}
