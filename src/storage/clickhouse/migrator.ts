import type { ClickHouseClient } from '@clickhouse/client';
import type { TierRetention } from '../../core/index.js';
import {
  MIGRATION_TABLE,
  MIGRATIONS,
  currentTtl,
  databaseStatement,
  migrationTableStatement,
  ttlStatement,
  ttlTargets,
} from './schema.js';
import type { Migration, SchemaOptions } from './schema.js';
import { TRACE_MIGRATIONS } from './trace-schema.js';
import { METRIC_ROLLUP_MIGRATIONS, metricRollupTtlTargets } from './metric-rollup-schema.js';
import {
  TAG_ROLLUP_MIGRATIONS,
  listedTagKeysSql,
  recordTagKeySql,
  tagRollupTtlTargets,
} from './tag-rollup-schema.js';

/** Every version, metrics' and traces', in one sequence (one schema_migrations table). */
export const ALL_MIGRATIONS: readonly Migration[] = [
  ...MIGRATIONS,
  ...TRACE_MIGRATIONS,
  ...METRIC_ROLLUP_MIGRATIONS,
  ...TAG_ROLLUP_MIGRATIONS,
];

export interface MigrationReport {
  /** Versions applied by this run (empty when the schema was already current). */
  readonly applied: number[];
  /** Tables that had no TTL and got one from the retention settings (fresh tables do). */
  readonly ttlSet: string[];
  /** Tables whose TTL differed from the retention settings and was changed (or removed). */
  readonly ttlChanged: string[];
  /** Tag keys this run started rolling up (`--rollup-tags` keys not listed before), if any. */
  readonly rollupTagsAdded?: string[];
}

/**
 * Brings the schema to the newest version: safe to run at every start, from several processes at
 * once (every statement is IF NOT EXISTS; a version row written twice collapses in the
 * ReplacingMergeTree), and from `vantage migrate`.
 */
export async function runMigrations(
  client: ClickHouseClient,
  o: SchemaOptions,
  retention: TierRetention,
  migrations: readonly Migration[] = ALL_MIGRATIONS,
  rollupTags: readonly string[] = [],
): Promise<MigrationReport> {
  const applied = await applyMigrations(client, o, migrations);
  const targets = [
    ...ttlTargets(o, retention),
    ...metricRollupTtlTargets(o, retention),
    ...tagRollupTtlTargets(o, retention),
  ];
  const ttl = await syncTtl(client, o, targets);
  // A run limited to older versions has no key table to record in.
  const tagTable = migrations.some((m) => TAG_ROLLUP_MIGRATIONS.includes(m));
  const rollupTagsAdded = tagTable ? await addRollupTags(client, o, rollupTags) : [];
  return { applied, ...ttl, ...(rollupTagsAdded.length > 0 ? { rollupTagsAdded } : {}) };
}

/**
 * Records each key not listed yet (tag-rollup-schema.ts, recordTagKeySql). Never removes one: a
 * key dropped from the setting keeps its rollup until an operator deletes its rows.
 */
export async function addRollupTags(
  client: ClickHouseClient,
  o: SchemaOptions,
  keys: readonly string[],
): Promise<string[]> {
  if (keys.length === 0) return [];
  const result = await client.query({ query: listedTagKeysSql(o), format: 'JSONEachRow' });
  const listed = new Set((await result.json<{ tag_key: string }>()).map((r) => r.tag_key));
  const added = [...new Set(keys)].filter((k) => !listed.has(k));
  const settings = o.cluster ? { distributed_foreground_insert: 1 } : {};
  for (const key of added) {
    for (const whole of ['future', 'if-empty'] as const) {
      await client.command({
        query: recordTagKeySql(o, whole),
        query_params: { key },
        clickhouse_settings: settings,
      });
    }
  }
  return added;
}

/** Applies the versions not applied yet; returns those it applied. */
export async function applyMigrations(
  client: ClickHouseClient,
  o: SchemaOptions,
  migrations: readonly Migration[] = ALL_MIGRATIONS,
): Promise<number[]> {
  await client.command({ query: databaseStatement(o) });
  await client.command({ query: migrationTableStatement(o) });
  const done = await client.query({
    query: `SELECT DISTINCT version FROM ${o.database}.${MIGRATION_TABLE}`,
    format: 'JSONEachRow',
  });
  const appliedBefore = new Set((await done.json<{ version: number }>()).map((r) => Number(r.version)));
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const ahead = [...appliedBefore].filter((v) => v > newest);
  if (ahead.length > 0) {
    throw new Error(
      `the ClickHouse schema was written by a newer Vantage (version ${Math.max(...ahead)}, this one knows ${newest})`,
    );
  }
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (appliedBefore.has(m.version)) continue;
    for (const statement of m.statements(o)) await client.command({ query: statement });
    await client.insert({
      table: `${o.database}.${MIGRATION_TABLE}`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  return applied;
}

/**
 * TTLs follow the retention settings, which may change between starts: compare each table's TTL
 * with the wanted one and alter only what differs. The new TTL applies to new parts and at merges
 * (materialize_ttl_after_modify = 0): rewriting every part at start would be a heavy mutation.
 */
export async function syncTtl(
  client: ClickHouseClient,
  o: SchemaOptions,
  targets: readonly { table: string; expression: string | null }[],
): Promise<Pick<MigrationReport, 'ttlSet' | 'ttlChanged'>> {
  const result = await client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
    query_params: { db: o.database },
    format: 'JSONEachRow',
  });
  const engines = new Map(
    (await result.json<{ name: string; engine_full: string }>()).map((r) => [r.name, r.engine_full]),
  );
  const report = { ttlSet: [] as string[], ttlChanged: [] as string[] };
  for (const { table, expression } of targets) {
    // A table of a migration not applied (a run limited to older versions) has no TTL to set.
    if (!engines.has(table)) continue;
    const current = currentTtl(engines.get(table) ?? '');
    if (current === expression) continue;
    await client.command({
      query: ttlStatement(o, table, expression),
      clickhouse_settings: { materialize_ttl_after_modify: 0 },
    });
    (current === null ? report.ttlSet : report.ttlChanged).push(table);
  }
  return report;
}
