import { describe, expect, it } from 'vitest';
import { DAY_MS, TIERS } from '../../core/index.js';
import { bucketQuery } from '../../../test/support/fixtures.js';
import { bucketQuerySql, groupTypesSql, singleTagKey } from './bucket-query.js';
import { bucketSource } from './bucket-source.js';
import { prepareVql, tagRollupKey } from '../../query/index.js';
import { CLICKHOUSE_SUBQUERIES, compileClickHouse, seriesLackingKeySql } from './clickhouse-compiler.js';
import { ALL_MIGRATIONS } from './migrator.js';
import { TAG_ROLLUP_MIGRATIONS, recordTagKeySql, tagRollupTtlTargets } from './tag-rollup-schema.js';

const [migration] = TAG_ROLLUP_MIGRATIONS;
if (migration === undefined) throw new Error('no per-tag-value rollup migration');
const hour = TIERS.find((t) => t.name === '1h');
if (hour === undefined) throw new Error('no hourly tier');

describe('the per-tag-value rollup migration', () => {
  it('comes after every other version', () => {
    const versions = ALL_MIGRATIONS.map((m) => m.version);
    expect(migration.version).toBe(8);
    expect(Math.max(...versions)).toBe(8);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('keys a table per tier by tag value, fed from the minute table for listed keys only', () => {
    const statements = migration.statements({ database: 'vantage' });
    const keys = statements.findIndex((s) => s.includes('TABLE IF NOT EXISTS vantage.tag_rollup_keys ('));
    const table = statements.find((s) => s.includes('TABLE IF NOT EXISTS vantage.tag_agg_1h ('));
    expect(table).toContain('ORDER BY (service_name, metric_name, tag_key, tag_value, type, timestamp)');
    expect(table).toContain('PARTITION BY toYYYYMM(timestamp)');
    expect(table).toContain('last_at SimpleAggregateFunction(max');
    expect(statements.find((s) => s.includes('vantage.tag_agg_1d ('))).toContain(
      'PARTITION BY toYear(timestamp)',
    );
    const viewAt = statements.findIndex((s) => s.includes('VIEW IF NOT EXISTS vantage.tag_agg_1h_mv'));
    const view = statements[viewAt];
    // The key table exists before any view reads it.
    expect(keys).toBeGreaterThanOrEqual(0);
    expect(keys).toBeLessThan(viewAt);
    expect(view).toContain('toStartOfHour(timestamp) AS timestamp');
    expect(view).toContain(
      'FROM vantage.metrics\nARRAY JOIN mapKeys(tags) AS tag_key, mapValues(tags) AS tag_value',
    );
    expect(view).toContain('WHERE tag_key IN (SELECT tag_key FROM vantage.tag_rollup_keys)');
    expect(view).toContain('GROUP BY service_name, metric_name, tag_key, tag_value, type, timestamp');
    // No backfill, and no key recorded by the migration itself.
    expect(statements.filter((s) => s.startsWith('INSERT'))).toEqual([]);
  });

  it('on a cluster, writes local tables behind Distributed ones', () => {
    const statements = migration.statements({ database: 'vantage', cluster: 'prod' });
    expect(statements).toContainEqual(
      expect.stringContaining(
        'ENGINE = Distributed(prod, vantage, tag_agg_5m_local, cityHash64(service_name))',
      ),
    );
    expect(statements).toContainEqual(
      expect.stringContaining('ENGINE = Distributed(prod, vantage, tag_rollup_keys_local, rand())'),
    );
    const view = statements.find((s) => s.includes('tag_agg_5m_local_mv'));
    expect(view).toContain('FROM vantage.metrics_local');
    // Every shard's view sees every key, wherever its row landed.
    expect(view).toContain('FROM vantage.tag_rollup_keys)');
  });

  it('records a key from the day after tomorrow, and from the epoch only over empty tiers', () => {
    const o = { database: 'vantage' };
    expect(recordTagKeySql(o, 'future')).toBe(
      "INSERT INTO vantage.tag_rollup_keys (tag_key, cutoff) SELECT {key:String}, toStartOfDay(now('UTC')) + INTERVAL 2 DAY",
    );
    const empty = recordTagKeySql(o, 'if-empty');
    expect(empty).toContain("SELECT {key:String}, toDateTime(0, 'UTC') WHERE NOT (");
    for (const t of ['metrics', 'metrics_5m', 'metrics_1h', 'metrics_1d']) {
      expect(empty).toContain(`(SELECT count() FROM vantage.${t})`);
    }
  });

  it('keeps each rollup as long as its tier', () => {
    const retention = { '1m': 7 * DAY_MS, '5m': 30 * DAY_MS, '1h': 365 * DAY_MS, '1d': Infinity };
    expect(tagRollupTtlTargets({ database: 'v' }, retention).map((t) => t.table)).toEqual([
      'tag_agg_1m',
      'tag_agg_5m',
      'tag_agg_1h',
      'tag_agg_1d',
    ]);
    expect(tagRollupTtlTargets({ database: 'v' }, retention)[3]?.expression).toBeNull();
  });
});

describe('reading a per-tag-value rollup', () => {
  const T0 = Date.UTC(2024, 0, 1);
  const known = { metricFrom: 0, tagFrom: new Map([['region', T0]]) };
  const q = (overrides: Parameters<typeof bucketQuery>[1]) => bucketQuery(T0, { tier: hour, ...overrides });

  it('names the one key every filter and group_by key names', () => {
    expect(singleTagKey(q({ groupBy: ['region'] }))).toBe('region');
    expect(singleTagKey(q({ tagFilters: [['region', 'eu']], groupBy: ['region'] }))).toBe('region');
    expect(singleTagKey(q({ tagFilters: [['region', 'eu']], groupBy: ['host'] }))).toBeUndefined();
    expect(singleTagKey(q({}))).toBeUndefined();
  });

  it('reads the rollup of a listed key from its cutoff on, when no series lacks it', () => {
    expect(bucketSource(q({ groupBy: ['region'] }), known, 0)).toEqual({
      table: 'tag_agg_1h',
      rows: 'rollup',
      tagKey: 'region',
    });
    expect(bucketSource(q({ tagFilters: [['region', 'eu']] }), known, 0).table).toBe('tag_agg_1h');
    expect(bucketSource(q({}), known, 0).table).toBe('metric_agg_1h');
    const series = { table: 'metrics_1h', rows: 'rollup' };
    // A series lacking the key, a key not listed, a range before the cutoff, two keys, no keys read.
    expect(bucketSource(q({ groupBy: ['region'] }), known, 1)).toEqual(series);
    expect(bucketSource(q({ groupBy: ['host'] }), known, 0)).toEqual(series);
    expect(bucketSource(bucketQuery(T0 - 1, { tier: hour, groupBy: ['region'] }), known, 0)).toEqual(series);
    expect(bucketSource(q({ tagFilters: [['host', 'a']], groupBy: ['region'] }), known, 0)).toEqual(series);
    expect(bucketSource(q({ groupBy: ['region'] }), { metricFrom: 0, tagFrom: null }, 0)).toEqual(series);
  });

  it('selects tag_value of the key instead of the tags map', () => {
    const sql = bucketQuerySql(
      'v.tag_agg_1h',
      q({ tagFilters: [['region', 'eu']], groupBy: ['region'] }),
      'rollup',
      'region',
    );
    expect(sql.sql).toContain('SELECT [tag_value] AS grp');
    expect(sql.sql).toContain('tag_key = {tagKey:String} AND tag_value = {fv0:String}');
    expect(sql.sql).toContain('max(last_at)');
    expect(sql.sql).not.toContain('tags[');
    expect(sql.params).toMatchObject({ tagKey: 'region', fv0: 'eu' });
  });

  it('counts the catalog rows lacking a group_by key', () => {
    expect(groupTypesSql('v.series', q({ groupBy: ['region'] }), 10).sql).toContain(
      'countIf(NOT (mapContains(tags, {g0:String}))) AS lacking',
    );
    expect(groupTypesSql('v.series', q({}), 10).sql).toContain('toUInt64(0) AS lacking');
  });
});

describe('VQL over a per-tag-value rollup', () => {
  const NOW = Date.UTC(2024, 0, 4);
  const FOREVER = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
  // Starts mid-hour: read in pieces of the 5-minute, hourly and daily tiers.
  const range = "timestamp >= '2024-01-01T00:30:00Z' AND timestamp < '2024-01-03T00:00:00Z'";

  it('reads tag_value of the key, in every piece, when the store names the key', () => {
    const plan = prepareVql(
      `SELECT tags.region, avg(value), last(value), p95(value) FROM metrics WHERE metric_name = 'latency_ms' AND tags.region != 'eu' AND ${range} GROUP BY tags.region`,
      { now: NOW, retention: FOREVER },
    );
    expect(tagRollupKey(plan)).toBe('region');
    const compiled = compileClickHouse(plan, { database: 'v', tagRollupKey: 'region', metricRollupsFrom: 0 });
    expect(compiled.sql).toContain('SELECT tag_value AS k0');
    expect(compiled.sql.split('UNION ALL').length).toBeGreaterThan(2);
    expect(compiled.sql.match(/ AND tag_key = \{p\d+:String\}/g)).toHaveLength(
      compiled.sql.split('UNION ALL').length,
    );
    expect(compiled.sql).toContain('(tag_value != {p');
    for (const t of ['5m', '1h', '1d']) expect(compiled.sql).toContain(`v.tag_agg_${t} WHERE`);
    expect(compiled.sql).not.toContain('tags[');
    expect(compiled.sql).not.toContain('metric_agg_');
    expect(compiled.sql).toContain(CLICKHOUSE_SUBQUERIES[3]);
    expect(Object.values(compiled.params)).toContain('region');
    // Without the store's word, the series rows.
    expect(compileClickHouse(plan, { database: 'v', metricRollupsFrom: 0 }).sql).not.toContain('tag_agg_');
  });

  it('asks the catalog for selected series lacking the key', () => {
    const plan = prepareVql(
      `SELECT time_bucket(1h), sum(value) FROM metrics WHERE tags.region = 'eu' AND ${range} GROUP BY time_bucket(1h)`,
      { now: NOW, retention: FOREVER },
    );
    const check = seriesLackingKeySql(plan, 'region', 'v');
    expect(check.sql).toBe(
      'SELECT count() AS n FROM v.series WHERE NOT mapContains(tags, {p0:String}) AND (tags[{p1:String}] = {p2:String})',
    );
    expect(check.params).toEqual({ p0: 'region', p1: 'region', p2: 'eu' });
  });
});
