import type { Tier, TierRetention } from '../../core/index.js';

/**
 * The ClickHouse schema as DDL text. Identifiers (database, cluster) cannot be query parameters in
 * DDL, so they are checked against a strict pattern before they reach any statement.
 */
export interface SchemaOptions {
  readonly database: string;
  /** Cluster name for ON CLUSTER DDL, Replicated engines and Distributed tables. */
  readonly cluster?: string | undefined;
}

/** Table read and written for each tier (a Distributed table over `<name>_local` on a cluster). */
export const TIER_TABLES: Readonly<Record<Tier['name'], string>> = {
  '1m': 'metrics',
  '5m': 'metrics_5m',
  '1h': 'metrics_1h',
  '1d': 'metrics_1d',
};

/**
 * The minute table's column naming the write that stored each row: the insert's deduplication
 * token, so the query API can tell which fallback-outbox batches ClickHouse holds already
 * (OutboxMergedStore). Empty where the worker does not record it (no fallback).
 */
export const BATCH_TOKEN_COLUMN = 'batch_token';

export const SERIES_TABLE = 'series';
/** Aggregates set aside because they can never be stored (src/storage/dead-letters.ts). */
export const DEAD_LETTER_TABLE = 'dead_letters';
export const CHECKPOINT_TABLE = 'checkpoints';
/** Where each cumulative series stood after the last write (src/core/cumulative.ts). */
export const POSITION_TABLE = 'cumulative_positions';
export const MIGRATION_TABLE = 'schema_migrations';
/** A few exemplars per series-minute; kept as long as the minute table's rows. */
export const EXEMPLAR_TABLE = 'exemplars';

/** Block hashes each table remembers: retried batches inside this many recent inserts are dropped. */
export const DEDUP_WINDOW = 10_000;

/** Longest retention that still fits a DateTime TTL; anything longer means "keep forever". */
const MAX_TTL_SECONDS = 60 * 365 * 86_400;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function checkIdentifier(kind: string, name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new RangeError(
      `ClickHouse ${kind} name must match ${IDENTIFIER.source}, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** The table that holds a logical table's rows: itself, or `<name>_local` on a cluster. */
export function storageTable(o: SchemaOptions, name: string): string {
  return o.cluster ? `${name}_local` : name;
}

export function onCluster(o: SchemaOptions): string {
  return o.cluster ? ` ON CLUSTER ${checkIdentifier('cluster', o.cluster)}` : '';
}

export function engine(
  o: SchemaOptions,
  kind: '' | 'Aggregating' | 'Replacing',
  table: string,
  args = '',
): string {
  if (!o.cluster) return `${kind}MergeTree(${args})`;
  const zkPath = `'/clickhouse/tables/{shard}/${o.database}/${table}'`;
  return `Replicated${kind}MergeTree(${[zkPath, "'{replica}'", args].filter((x) => x !== '').join(', ')})`;
}

export function dedupSetting(o: SchemaOptions): string {
  return o.cluster
    ? `replicated_deduplication_window = ${DEDUP_WINDOW}`
    : `non_replicated_deduplication_window = ${DEDUP_WINDOW}`;
}

/** Columns every data table starts with: the series identity and the bucket start. */
const IDENTITY_COLUMNS = `
  service_name LowCardinality(String),
  metric_name LowCardinality(String),
  type LowCardinality(String),
  series_id UInt64,
  timestamp DateTime('UTC') CODEC(DoubleDelta, ZSTD(1))`;

const ORDER_BY = 'ORDER BY (service_name, metric_name, type, series_id, timestamp)';

/**
 * Codecs, chosen by measurement (docs/operations.md): counts are small integers (T64), times step
 * regularly (DoubleDelta), float values compress best under ZSTD alone, sketches are sparse maps.
 */
function metricsTable(o: SchemaOptions): string {
  const t = storageTable(o, TIER_TABLES['1m']);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (${IDENTITY_COLUMNS},
  tags Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  samples UInt64 CODEC(T64, ZSTD(1)),
  value_sum Float64 CODEC(ZSTD(1)),
  value_min Float64 CODEC(ZSTD(1)),
  value_max Float64 CODEC(ZSTD(1)),
  value_last Float64 CODEC(ZSTD(1)),
  last_ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  sketch_zero Float64 CODEC(ZSTD(1)),
  sketch_pos Map(Int32, Float64) CODEC(ZSTD(1)),
  sketch_neg Map(Int32, Float64) CODEC(ZSTD(1))
) ENGINE = ${engine(o, '', t)}
PARTITION BY toYYYYMM(timestamp)
${ORDER_BY}
SETTINGS ${dedupSetting(o)}`;
}

/** The aggregate columns of a table whose rows of one key merge (the tier and per-metric rollups). */
export const ROLLUP_AGGREGATE_COLUMNS = `samples SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
  value_sum SimpleAggregateFunction(sum, Float64) CODEC(ZSTD(1)),
  value_min SimpleAggregateFunction(min, Float64) CODEC(ZSTD(1)),
  value_max SimpleAggregateFunction(max, Float64) CODEC(ZSTD(1)),
  last_at SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), Float64)) CODEC(ZSTD(1)),
  sketch_zero SimpleAggregateFunction(sum, Float64) CODEC(ZSTD(1)),
  sketch_pos SimpleAggregateFunction(sumMap, Map(Int32, Float64)) CODEC(ZSTD(1)),
  sketch_neg SimpleAggregateFunction(sumMap, Map(Int32, Float64)) CODEC(ZSTD(1))`;

/**
 * Those columns merged from the rows of a GROUP BY, `latest` the rows' (time, value) max: the
 * minute rows' `max((last_ts, value_last))`, a rollup's `max(last_at)`.
 */
export function rollupAggregates(latest: string): string {
  return `sum(samples) AS samples,
  sum(value_sum) AS value_sum,
  min(value_min) AS value_min,
  max(value_max) AS value_max,
  ${latest} AS last_at,
  sum(sketch_zero) AS sketch_zero,
  sumMap(sketch_pos) AS sketch_pos,
  sumMap(sketch_neg) AS sketch_neg`;
}

function rollupTable(o: SchemaOptions, tier: Exclude<Tier['name'], '1m'>): string {
  const t = storageTable(o, TIER_TABLES[tier]);
  const partition = tier === '1d' ? 'toYear(timestamp)' : 'toYYYYMM(timestamp)';
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (${IDENTITY_COLUMNS},
  tags SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(3)),
  ${ROLLUP_AGGREGATE_COLUMNS}
) ENGINE = ${engine(o, 'Aggregating', t)}
PARTITION BY ${partition}
${ORDER_BY}
SETTINGS ${dedupSetting(o)}`;
}

export const BUCKET_FUNCTION: Readonly<Record<Exclude<Tier['name'], '1m'>, string>> = {
  '5m': 'toStartOfFiveMinutes',
  '1h': 'toStartOfHour',
  '1d': 'toStartOfDay',
};

/** A rollup is fed from each insert block into the minute table; rows of one bucket merge later. */
function rollupView(o: SchemaOptions, tier: Exclude<Tier['name'], '1m'>): string {
  const source = storageTable(o, TIER_TABLES['1m']);
  const target = storageTable(o, TIER_TABLES[tier]);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.${target}_mv${onCluster(o)}
TO ${o.database}.${target} AS
SELECT service_name, metric_name, type, series_id,
  ${BUCKET_FUNCTION[tier]}(timestamp) AS timestamp,
  any(CAST(tags, 'Map(String, String)')) AS tags,
  ${rollupAggregates('max((last_ts, value_last))')}
FROM ${o.database}.${source}
GROUP BY service_name, metric_name, type, series_id, timestamp`;
}

/** One row per series (after merges): what services() and metrics() read instead of the data. */
function seriesTable(o: SchemaOptions): string {
  const t = storageTable(o, SERIES_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  service_name LowCardinality(String),
  metric_name LowCardinality(String),
  type LowCardinality(String),
  series_id UInt64,
  tags SimpleAggregateFunction(any, Map(String, String)),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
) ENGINE = ${engine(o, 'Aggregating', t)}
ORDER BY (service_name, metric_name, type, series_id)
SETTINGS ${dedupSetting(o)}`;
}

function seriesView(o: SchemaOptions): string {
  const source = storageTable(o, TIER_TABLES['1m']);
  const target = storageTable(o, SERIES_TABLE);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.${target}_mv${onCluster(o)}
TO ${o.database}.${target} AS
SELECT service_name, metric_name, type, series_id,
  any(CAST(tags, 'Map(String, String)')) AS tags,
  max(last_ts) AS last_seen
FROM ${o.database}.${source}
GROUP BY service_name, metric_name, type, series_id`;
}

/** Latest checkpoint per (source, partition): the row with the highest version wins. */
function checkpointTable(o: SchemaOptions): string {
  const t = storageTable(o, CHECKPOINT_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  source String,
  partition Int32,
  offset Int64,
  version UInt64
) ENGINE = ${engine(o, 'Replacing', t, 'version')}
ORDER BY (source, partition)`;
}

/**
 * A table of what a store set aside (aggregates here, spans in ./trace-schema.ts): when, the
 * `columns` that say what and why, a plain MergeTree kept for a while (`clauses`: ORDER BY, TTL...).
 */
export function setAsideTable(
  o: SchemaOptions,
  name: string,
  columns: readonly string[],
  clauses: readonly string[],
): string {
  const t = storageTable(o, name);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  ${["at DateTime64(3, 'UTC')", ...columns].join(',\n  ')}
) ENGINE = ${engine(o, '', t)}
${clauses.join('\n')}`;
}

/**
 * Dead letters, numbers as text (they may be NaN or Infinity). Deduplicated like the data: a
 * replayed batch sets the same aggregates aside with the same token. Kept 90 days.
 */
function deadLetterTable(o: SchemaOptions): string {
  return setAsideTable(
    o,
    DEAD_LETTER_TABLE,
    [
      'service_name String',
      'metric_name String',
      'type String',
      'tags String',
      'start Float64',
      'samples Float64',
      'value_sum String',
      'value_min String',
      'value_max String',
      'value_last String',
      'reason String',
      'source String',
      'partition Int32',
      'offset Int64',
    ],
    ['ORDER BY at', 'TTL toDateTime(at) + INTERVAL 90 DAY', `SETTINGS ${dedupSetting(o)}`],
  );
}

/**
 * Cumulative positions, the latest by time per series (encodePosition's bytes, base64). Written
 * after the increases they produced and before the checkpoint: a replay after a crash between the
 * two finds its increases deduplicated by token either way (see ClickHouseStore.write).
 */
function positionTable(o: SchemaOptions): string {
  const t = storageTable(o, POSITION_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  key String,
  at Float64,
  position String
) ENGINE = ${engine(o, 'Replacing', t, 'at')}
ORDER BY key`;
}

/**
 * Exemplars, one row each, filed under their series-minute (`timestamp`, the minute, as in the
 * data) with their own time. Appended and deduplicated by the batch token like the data; several
 * batches may each bring a few for one series-minute, so reads keep the first few by
 * exemplarOrder (LIMIT BY). Tags as canonical text: they are only read back, never filtered on.
 */
function exemplarTable(o: SchemaOptions): string {
  const t = storageTable(o, EXEMPLAR_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (${IDENTITY_COLUMNS},
  tags String CODEC(ZSTD(3)),
  exemplar_ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  value Float64 CODEC(ZSTD(1)),
  trace_id String CODEC(ZSTD(1)),
  span_id String CODEC(ZSTD(1))
) ENGINE = ${engine(o, '', t)}
PARTITION BY toYYYYMM(timestamp)
${ORDER_BY}
SETTINGS ${dedupSetting(o)}`;
}

/** On a cluster: the Distributed table that reads every shard and routes inserts by service. */
export function distributedTable(o: SchemaOptions, name: string, shardingKey: string): string {
  const cluster = checkIdentifier('cluster', o.cluster ?? '');
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${name}${onCluster(o)}
AS ${o.database}.${storageTable(o, name)}
ENGINE = Distributed(${cluster}, ${o.database}, ${storageTable(o, name)}, ${shardingKey})`;
}

export function migrationTableStatement(o: SchemaOptions): string {
  // Per server (per replica set on a cluster): every node records what it applied.
  const t = MIGRATION_TABLE;
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  version UInt32,
  name String,
  applied_at DateTime('UTC') DEFAULT now()
) ENGINE = ${o.cluster ? engine(o, 'Replacing', t) : 'ReplacingMergeTree'}
ORDER BY version`;
}

export function databaseStatement(o: SchemaOptions): string {
  return `CREATE DATABASE IF NOT EXISTS ${o.database}${onCluster(o)}`;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Each statement is idempotent (IF NOT EXISTS), so a migration cut short can run again. */
  statements(o: SchemaOptions): string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'minute aggregates, rollups, series catalog, checkpoints',
    statements(o) {
      const tables = [
        metricsTable(o),
        rollupTable(o, '5m'),
        rollupTable(o, '1h'),
        rollupTable(o, '1d'),
        seriesTable(o),
        checkpointTable(o),
      ];
      const distributed = o.cluster
        ? [
            ...Object.values(TIER_TABLES).map((t) => distributedTable(o, t, 'cityHash64(service_name)')),
            distributedTable(o, SERIES_TABLE, 'cityHash64(service_name)'),
            distributedTable(o, CHECKPOINT_TABLE, 'cityHash64(source)'),
          ]
        : [];
      const views = [rollupView(o, '5m'), rollupView(o, '1h'), rollupView(o, '1d'), seriesView(o)];
      return [...tables, ...distributed, ...views];
    },
  },
  {
    version: 2,
    name: 'batch token on minute rows',
    statements(o) {
      // On the local table first: a Distributed table must not name a column its shards lack.
      // Not in the sorting key and read only with the key's service and metric, so no index.
      // LowCardinality: after merges a part holds rows of many inserts side by side (sorted by
      // series and time), and dictionary positions compress better than 64-bit ids would.
      const tables = o.cluster
        ? [storageTable(o, TIER_TABLES['1m']), TIER_TABLES['1m']]
        : [TIER_TABLES['1m']];
      return tables.map(
        (t) =>
          `ALTER TABLE ${o.database}.${t}${onCluster(o)} ADD COLUMN IF NOT EXISTS ${BATCH_TOKEN_COLUMN} LowCardinality(String) CODEC(ZSTD(1))`,
      );
    },
  },
  {
    version: 3,
    name: 'dead letters',
    statements(o) {
      const distributed = o.cluster ? [distributedTable(o, DEAD_LETTER_TABLE, 'rand()')] : [];
      return [deadLetterTable(o), ...distributed];
    },
  },
  {
    version: 4,
    name: 'cumulative positions',
    statements(o) {
      const distributed = o.cluster ? [distributedTable(o, POSITION_TABLE, 'cityHash64(key)')] : [];
      return [positionTable(o), ...distributed];
    },
  },
  {
    version: 5,
    name: 'exemplars',
    statements(o) {
      const distributed = o.cluster ? [distributedTable(o, EXEMPLAR_TABLE, 'cityHash64(service_name)')] : [];
      return [exemplarTable(o), ...distributed];
    },
  },
];

/** Tables with a TTL, the column it counts from, and the retention that sets it. */
export function ttlTargets(
  o: SchemaOptions,
  retention: TierRetention,
): { table: string; expression: string | null }[] {
  const longest = Math.max(...Object.values(retention));
  const targets: { table: string; expression: string | null }[] = (
    Object.keys(TIER_TABLES) as Tier['name'][]
  ).map((tier) => ({
    table: storageTable(o, TIER_TABLES[tier]),
    expression: ttlExpression('timestamp', retention[tier]),
  }));
  targets.push({
    table: storageTable(o, EXEMPLAR_TABLE),
    expression: ttlExpression('timestamp', retention['1m']),
  });
  targets.push({
    table: storageTable(o, SERIES_TABLE),
    expression: ttlExpression('toDateTime(last_seen)', longest),
  });
  return targets;
}

/** The TTL as ClickHouse prints it in system.tables.engine_full, or null to keep rows forever. */
export function ttlExpression(column: string, retentionMs: number): string | null {
  if (!Number.isFinite(retentionMs) || retentionMs <= 0) return null;
  const seconds = Math.ceil(retentionMs / 1000);
  if (seconds > MAX_TTL_SECONDS) return null;
  return `${column} + toIntervalSecond(${seconds})`;
}

/** The TTL clause of an engine_full text, or null. */
export function currentTtl(engineFull: string): string | null {
  const m = / TTL (.+?)(?: SETTINGS |$)/.exec(engineFull);
  return m?.[1]?.trim() ?? null;
}

export function ttlStatement(o: SchemaOptions, table: string, expression: string | null): string {
  const target = `${o.database}.${table}${onCluster(o)}`;
  return expression === null
    ? `ALTER TABLE ${target} REMOVE TTL`
    : `ALTER TABLE ${target} MODIFY TTL ${expression}`;
}

export function dropPartitionStatement(o: SchemaOptions, table: string, partitionId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(partitionId)) throw new RangeError(`unexpected partition id ${partitionId}`);
  return `ALTER TABLE ${o.database}.${table}${onCluster(o)} DROP PARTITION ID '${partitionId}'`;
}

export function deleteSilentSeriesStatement(o: SchemaOptions): string {
  return `ALTER TABLE ${o.database}.${storageTable(o, SERIES_TABLE)}${onCluster(o)}
DELETE WHERE last_seen < fromUnixTimestamp64Milli({cutoff:Int64}, 'UTC')`;
}
