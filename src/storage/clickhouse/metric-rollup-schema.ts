import type { Tier, TierRetention } from '../../core/index.js';
import {
  BUCKET_FUNCTION,
  ROLLUP_AGGREGATE_COLUMNS,
  TIER_TABLES,
  dedupSetting,
  distributedTable,
  engine,
  onCluster,
  rollupAggregates,
  storageTable,
  ttlExpression,
} from './schema.js';
import type { Migration, SchemaOptions } from './schema.js';

/**
 * Per-metric rollups: every series of a metric merged per tier bucket, so a panel over all series
 * reads one row per bucket instead of one per series and bucket (as SQLite's `metric_agg_<tier>`,
 * docs/architecture.md). Keyed by the series identity without the series: a metric's series of
 * different types stay apart, as the tier rows keep them.
 */
export const METRIC_ROLLUP_TABLES: Readonly<Record<Tier['name'], string>> = {
  '1m': 'metric_agg_1m',
  '5m': 'metric_agg_5m',
  '1h': 'metric_agg_1h',
  '1d': 'metric_agg_1d',
};

export const TIER_NAMES = Object.keys(METRIC_ROLLUP_TABLES) as Tier['name'][];

/**
 * What a rollup of minute rows is keyed by: its tables, its key columns (before `timestamp`), and
 * what picks and names the minute rows it merges (`rows`: an ARRAY JOIN, a WHERE), if anything.
 */
export interface RollupLayout {
  readonly tables: Readonly<Record<Tier['name'], string>>;
  readonly columns: string;
  readonly key: string;
  readonly rows?: (o: SchemaOptions) => string;
}

const METRIC_LAYOUT: RollupLayout = {
  tables: METRIC_ROLLUP_TABLES,
  columns: `service_name LowCardinality(String),
  metric_name LowCardinality(String),
  type LowCardinality(String),`,
  key: 'service_name, metric_name, type',
};

/** The partitions of its tier, so that retention drops the same months (years) in both. */
export function rollupTable(o: SchemaOptions, layout: RollupLayout, tier: Tier['name']): string {
  const t = storageTable(o, layout.tables[tier]);
  const partition = tier === '1d' ? 'toYear(timestamp)' : 'toYYYYMM(timestamp)';
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  ${layout.columns}
  timestamp DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
  ${ROLLUP_AGGREGATE_COLUMNS}
) ENGINE = ${engine(o, 'Aggregating', t)}
PARTITION BY ${partition}
ORDER BY (${layout.key}, timestamp)
SETTINGS ${dedupSetting(o)}`;
}

/** The minute rows of a block merged into `tier`'s buckets, per key. */
function fromMinuteRows(o: SchemaOptions, layout: RollupLayout, tier: Tier['name'], source: string): string {
  const bucket = tier === '1m' ? 'timestamp' : `${BUCKET_FUNCTION[tier]}(timestamp)`;
  const rows = layout.rows ? `\n${layout.rows(o)}` : '';
  return `SELECT ${layout.key}, ${bucket} AS timestamp,
  ${rollupAggregates('max((last_ts, value_last))')}
FROM ${o.database}.${source}${rows}
GROUP BY ${layout.key}, timestamp`;
}

/**
 * Fed, like the tier tables, from each insert block into the minute table (not from the tier
 * tables: a view on a view's target sees nothing), so a rollup row exists once its minute rows do.
 */
export function rollupView(o: SchemaOptions, layout: RollupLayout, tier: Tier['name']): string {
  const target = storageTable(o, layout.tables[tier]);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.${target}_mv${onCluster(o)}
TO ${o.database}.${target} AS
${fromMinuteRows(o, layout, tier, storageTable(o, TIER_TABLES['1m']))}`;
}

/** A layout's tables, then on a cluster their Distributed tables, then the views that feed them. */
export function rollupStatements(
  o: SchemaOptions,
  layout: RollupLayout,
  extraTables: readonly string[],
): string[] {
  const tables = TIER_NAMES.map((t) => layout.tables[t]);
  return [
    ...TIER_NAMES.map((t) => rollupTable(o, layout, t)),
    ...extraTables,
    ...(o.cluster ? tables.map((t) => distributedTable(o, t, 'cityHash64(service_name)')) : []),
    ...TIER_NAMES.map((t) => rollupView(o, layout, t)),
  ];
}

/** Whether any tier table holds a row: the SQL condition a cutoff is chosen by. */
export function tiersHoldRows(o: SchemaOptions): string {
  return TIER_NAMES.map((t) => `(SELECT count() FROM ${o.database}.${TIER_TABLES[t]})`).join(' + ') + ' > 0';
}

/** The start of the day after tomorrow on the server's clock: no stored minute reaches it. */
export const SAFE_FUTURE_CUTOFF = "toStartOfDay(now('UTC')) + INTERVAL 2 DAY";

/**
 * Where the rollups start to be whole: buckets at or after a cutoff hold every minute row of
 * their metric, buckets before it may hold part of them (a view sees only the inserts after it
 * was created). Readers use a rollup only for a range that starts at or after the smallest cutoff
 * recorded; before it they read the series rows, as before migration 7.
 *
 * There is no backfill: copying the tier rows in while workers write (they migrate at start, and
 * the Helm chart migrates before the old workers stop) would count some rows twice, and two
 * migrators would copy everything twice. Instead migration 7 records, after its views exist:
 * - 0 (the epoch) when no tier table holds a row: every row yet to come passes through a view;
 * - otherwise the start of the day after tomorrow (server time), which no stored minute can
 *   reach: `--max-future-skew` is 10 minutes by default and must stay under a day for this to
 *   hold (docs/operations.md).
 * Each record is true on its own, so the smallest is: several migrators may each write one.
 */
export const ROLLUP_CUTOFF_TABLE = 'metric_rollup_cutoffs';

function cutoffTable(o: SchemaOptions): string {
  const t = storageTable(o, ROLLUP_CUTOFF_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  cutoff DateTime('UTC'),
  recorded_at DateTime('UTC') DEFAULT now()
) ENGINE = ${engine(o, '', t)}
ORDER BY cutoff`;
}

function recordCutoff(o: SchemaOptions): string {
  return `INSERT INTO ${o.database}.${ROLLUP_CUTOFF_TABLE} (cutoff)
SELECT if(${tiersHoldRows(o)}, ${SAFE_FUTURE_CUTOFF}, toDateTime(0, 'UTC'))`;
}

/** The smallest cutoff recorded, epoch ms; no row (no migration 7 yet) reads as null. */
export function rollupCutoffSql(o: SchemaOptions): string {
  return `SELECT toUnixTimestamp(min(cutoff)) * 1000 AS cutoff, count() AS records
FROM ${o.database}.${ROLLUP_CUTOFF_TABLE}`;
}

export const METRIC_ROLLUP_MIGRATIONS: readonly Migration[] = [
  {
    version: 7,
    name: 'per-metric rollups',
    statements(o) {
      const cutoffs = [
        cutoffTable(o),
        ...(o.cluster ? [distributedTable(o, ROLLUP_CUTOFF_TABLE, 'rand()')] : []),
      ];
      return [
        ...rollupStatements(o, METRIC_LAYOUT, cutoffs),
        // After the views: a row stored from now on reaches a rollup.
        recordCutoff(o),
      ];
    },
  },
];

/** Each rollup keeps its rows as long as its tier. */
export function metricRollupTtlTargets(
  o: SchemaOptions,
  retention: TierRetention,
  tables: Readonly<Record<Tier['name'], string>> = METRIC_ROLLUP_TABLES,
): { table: string; expression: string | null }[] {
  return TIER_NAMES.map((tier) => ({
    table: storageTable(o, tables[tier]),
    expression: ttlExpression('timestamp', retention[tier]),
  }));
}
