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

const TIER_NAMES = Object.keys(METRIC_ROLLUP_TABLES) as Tier['name'][];

const KEY = 'service_name, metric_name, type, timestamp';

/** The partitions of its tier, so that retention drops the same months (years) in both. */
function rollupTable(o: SchemaOptions, tier: Tier['name']): string {
  const t = storageTable(o, METRIC_ROLLUP_TABLES[tier]);
  const partition = tier === '1d' ? 'toYear(timestamp)' : 'toYYYYMM(timestamp)';
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  service_name LowCardinality(String),
  metric_name LowCardinality(String),
  type LowCardinality(String),
  timestamp DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
  ${ROLLUP_AGGREGATE_COLUMNS}
) ENGINE = ${engine(o, 'Aggregating', t)}
PARTITION BY ${partition}
ORDER BY (${KEY})
SETTINGS ${dedupSetting(o)}`;
}

/** The minute rows of a block merged into `tier`'s buckets, per metric. */
function fromMinuteRows(o: SchemaOptions, tier: Tier['name'], source: string): string {
  const bucket = tier === '1m' ? 'timestamp' : `${BUCKET_FUNCTION[tier]}(timestamp)`;
  return `SELECT service_name, metric_name, type, ${bucket} AS timestamp,
  ${rollupAggregates('max((last_ts, value_last))')}
FROM ${o.database}.${source}
GROUP BY ${KEY}`;
}

/**
 * Fed, like the tier tables, from each insert block into the minute table (not from the tier
 * tables: a view on a view's target sees nothing), so a rollup row exists once its minute rows do.
 */
function rollupView(o: SchemaOptions, tier: Tier['name']): string {
  const target = storageTable(o, METRIC_ROLLUP_TABLES[tier]);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.${target}_mv${onCluster(o)}
TO ${o.database}.${target} AS
${fromMinuteRows(o, tier, storageTable(o, TIER_TABLES['1m']))}`;
}

/**
 * The rows stored before the view existed, from the tier's own rows (the minute rows may be gone
 * sooner than the tier's). Emptied first, so that a migration cut short and run again does not
 * count twice what the first run inserted; rows written while it runs may be counted twice or not
 * at all, so the upgrade runs with the workers stopped (docs/operations.md).
 */
function backfill(o: SchemaOptions, tier: Tier['name']): string[] {
  const rollup = METRIC_ROLLUP_TABLES[tier];
  const select =
    tier === '1m'
      ? fromMinuteRows(o, tier, TIER_TABLES['1m'])
      : `SELECT ${KEY},
  ${rollupAggregates('max(last_at)')}
FROM ${o.database}.${TIER_TABLES[tier]}
GROUP BY ${KEY}`;
  return [
    `TRUNCATE TABLE IF EXISTS ${o.database}.${storageTable(o, rollup)}${onCluster(o)}`,
    `INSERT INTO ${o.database}.${rollup} ${select}`,
  ];
}

export const METRIC_ROLLUP_MIGRATIONS: readonly Migration[] = [
  {
    version: 7,
    name: 'per-metric rollups',
    statements(o) {
      const distributed = o.cluster
        ? TIER_NAMES.map((t) => distributedTable(o, METRIC_ROLLUP_TABLES[t], 'cityHash64(service_name)'))
        : [];
      return [
        ...TIER_NAMES.map((t) => rollupTable(o, t)),
        ...distributed,
        ...TIER_NAMES.map((t) => rollupView(o, t)),
        ...TIER_NAMES.flatMap((t) => backfill(o, t)),
      ];
    },
  },
];

/** Each rollup keeps its rows as long as its tier. */
export function metricRollupTtlTargets(
  o: SchemaOptions,
  retention: TierRetention,
): { table: string; expression: string | null }[] {
  return TIER_NAMES.map((tier) => ({
    table: storageTable(o, METRIC_ROLLUP_TABLES[tier]),
    expression: ttlExpression('timestamp', retention[tier]),
  }));
}
