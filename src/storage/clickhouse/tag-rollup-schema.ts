import type { Tier, TierRetention } from '../../core/index.js';
import { distributedTable, engine, onCluster, storageTable } from './schema.js';
import type { Migration, SchemaOptions } from './schema.js';
import {
  SAFE_FUTURE_CUTOFF,
  metricRollupTtlTargets,
  rollupStatements,
  tiersHoldRows,
} from './metric-rollup-schema.js';
import type { RollupLayout } from './metric-rollup-schema.js';

/**
 * Per-tag-value rollups: for each tag key an operator lists (`--rollup-tags`), a metric's series
 * merged per value of that key and tier bucket, so a panel filtered or grouped by that one key
 * reads one row per value and bucket instead of one per series (as SQLite's `tag_agg_<tier>`).
 * A series lacking the key is not in them.
 */
export const TAG_ROLLUP_TABLES: Readonly<Record<Tier['name'], string>> = {
  '1m': 'tag_agg_1m',
  '5m': 'tag_agg_5m',
  '1h': 'tag_agg_1h',
  '1d': 'tag_agg_1d',
};

/**
 * The keys rolled up and from when, with the per-metric rollups' safety model
 * (metric-rollup-schema.ts): the views take a key's rows only once its row here exists, with no
 * backfill, so a key's rollup is whole from its cutoff on. Several rows for a key may exist (several
 * migrators); each is true on its own, so the smallest counts. Nothing removes a key but an
 * operator (docs/operations.md).
 */
export const TAG_ROLLUP_KEY_TABLE = 'tag_rollup_keys';

/**
 * Tags arrive as a Map; each listed key of a row becomes a row of its own. The key list is read at
 * each insert block (a small table): a key recorded later is rolled up from the next insert on.
 */
const TAG_LAYOUT: RollupLayout = {
  tables: TAG_ROLLUP_TABLES,
  columns: `service_name LowCardinality(String),
  metric_name LowCardinality(String),
  tag_key LowCardinality(String),
  tag_value String CODEC(ZSTD(1)),
  type LowCardinality(String),`,
  key: 'service_name, metric_name, tag_key, tag_value, type',
  rows: (o) => `ARRAY JOIN mapKeys(tags) AS tag_key, mapValues(tags) AS tag_value
WHERE tag_key IN (SELECT tag_key FROM ${o.database}.${TAG_ROLLUP_KEY_TABLE})`,
};

function keyTable(o: SchemaOptions): string {
  const t = storageTable(o, TAG_ROLLUP_KEY_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  tag_key String,
  cutoff DateTime('UTC'),
  recorded_at DateTime('UTC') DEFAULT now()
) ENGINE = ${engine(o, '', t)}
ORDER BY (tag_key, cutoff)`;
}

export const TAG_ROLLUP_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'per-tag-value rollups',
    statements(o) {
      // The key table before the views, which read it; no key is listed yet, so they take nothing.
      const keys = [keyTable(o), ...(o.cluster ? [distributedTable(o, TAG_ROLLUP_KEY_TABLE, 'rand()')] : [])];
      return rollupStatements(o, TAG_LAYOUT, keys);
    },
  },
];

/** The keys listed so far: what a migrator leaves alone. */
export function listedTagKeysSql(o: SchemaOptions): string {
  return `SELECT DISTINCT tag_key FROM ${o.database}.${TAG_ROLLUP_KEY_TABLE}`;
}

/**
 * Two records per new key. The first, the day after tomorrow, is true as soon as it is visible:
 * the views take every later insert, and no earlier one reaches that day. The second, the epoch,
 * only if no tier table holds a row after the first is visible: then every row stored goes
 * through a view that takes the key (as migration 7 counts after its views exist).
 */
export function recordTagKeySql(o: SchemaOptions, whole: 'future' | 'if-empty'): string {
  const into = `INSERT INTO ${o.database}.${TAG_ROLLUP_KEY_TABLE} (tag_key, cutoff)`;
  return whole === 'future'
    ? `${into} SELECT {key:String}, ${SAFE_FUTURE_CUTOFF}`
    : `${into} SELECT {key:String}, toDateTime(0, 'UTC') WHERE NOT (${tiersHoldRows(o)})`;
}

/** Each key's smallest cutoff, epoch ms. */
export function tagCutoffsSql(o: SchemaOptions): string {
  return `SELECT tag_key AS key, toUnixTimestamp(min(cutoff)) * 1000 AS cutoff
FROM ${o.database}.${TAG_ROLLUP_KEY_TABLE} GROUP BY tag_key`;
}

/** Each rollup keeps its rows as long as its tier. */
export function tagRollupTtlTargets(
  o: SchemaOptions,
  retention: TierRetention,
): { table: string; expression: string | null }[] {
  return metricRollupTtlTargets(o, retention, TAG_ROLLUP_TABLES);
}
