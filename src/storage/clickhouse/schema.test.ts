import { describe, expect, it } from 'vitest';
import { DAY_MS, TIERS } from '../../core/index.js';
import type { Tier } from '../../core/index.js';
import { bucketQuerySql, groupTypesSql } from './bucket-query.js';
import {
  MIGRATIONS,
  checkIdentifier,
  currentTtl,
  dropPartitionStatement,
  ttlExpression,
  ttlStatement,
  ttlTargets,
} from './schema.js';

const RETENTION = { '1m': 90 * DAY_MS, '5m': 90 * DAY_MS, '1h': 365 * DAY_MS, '1d': 1095 * DAY_MS };

describe('schema DDL', () => {
  it('is idempotent DDL on a single server', () => {
    const statements = MIGRATIONS.flatMap((m) => m.statements({ database: 'vantage' }));
    expect(statements.every((s) => / IF NOT EXISTS /.test(s))).toBe(true);
    expect(statements.some((s) => /ON CLUSTER|Replicated|Distributed/.test(s))).toBe(false);
    const metrics = statements.find((s) => s.includes('vantage.metrics ('));
    expect(metrics).toContain('PARTITION BY toYYYYMM(timestamp)');
    expect(metrics).toContain('ORDER BY (service_name, metric_name, type, series_id, timestamp)');
    expect(metrics).toContain('non_replicated_deduplication_window = 10000');
  });

  it('shards by service with Replicated local tables and Distributed tables on a cluster', () => {
    const statements = MIGRATIONS.flatMap((m) => m.statements({ database: 'vantage', cluster: 'prod' }));
    expect(statements.every((s) => s.includes(' ON CLUSTER prod'))).toBe(true);
    const local = statements.find((s) => s.includes('vantage.metrics_local ON CLUSTER'));
    expect(local).toContain(
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/vantage/metrics_local', '{replica}')",
    );
    expect(local).toContain('replicated_deduplication_window');
    expect(statements).toContainEqual(
      expect.stringContaining('ENGINE = Distributed(prod, vantage, metrics_local, cityHash64(service_name))'),
    );
    const view = statements.find((s) => s.includes('metrics_1h_local_mv'));
    expect(view).toContain('FROM vantage.metrics_local');
  });

  it('adds the batch token to the minute table alone, on a cluster locally before the Distributed table', () => {
    const two = MIGRATIONS.find((m) => m.version === 2);
    const column = 'ADD COLUMN IF NOT EXISTS batch_token LowCardinality(String) CODEC(ZSTD(1))';
    expect(two?.statements({ database: 'vantage' })).toEqual([`ALTER TABLE vantage.metrics ${column}`]);
    expect(two?.statements({ database: 'vantage', cluster: 'prod' })).toEqual([
      `ALTER TABLE vantage.metrics_local ON CLUSTER prod ${column}`,
      `ALTER TABLE vantage.metrics ON CLUSTER prod ${column}`,
    ]);
    // The views feeding rollups and the catalog name their columns: a new one passes them by.
    const views = MIGRATIONS.flatMap((m) => m.statements({ database: 'vantage' })).filter((s) =>
      s.includes('MATERIALIZED VIEW'),
    );
    expect(views).toHaveLength(4);
    expect(views.some((s) => /SELECT\s+\*|batch_token/.test(s))).toBe(false);
  });

  it('refuses identifiers that could carry SQL', () => {
    expect(() => checkIdentifier('database', 'vantage; DROP TABLE x')).toThrow(RangeError);
    expect(() => checkIdentifier('cluster', '')).toThrow(RangeError);
    expect(checkIdentifier('database', 'vantage_2')).toBe('vantage_2');
    expect(() => dropPartitionStatement({ database: 'v' }, 'metrics', "1' OR 1")).toThrow(RangeError);
  });
});

describe('TTL', () => {
  it('follows the retention per tier, and the longest for the series catalog', () => {
    expect(ttlTargets({ database: 'v' }, RETENTION)).toEqual([
      { table: 'metrics', expression: 'timestamp + toIntervalSecond(7776000)' },
      { table: 'metrics_5m', expression: 'timestamp + toIntervalSecond(7776000)' },
      { table: 'metrics_1h', expression: 'timestamp + toIntervalSecond(31536000)' },
      { table: 'metrics_1d', expression: 'timestamp + toIntervalSecond(94608000)' },
      { table: 'exemplars', expression: 'timestamp + toIntervalSecond(7776000)' },
      { table: 'series', expression: 'toDateTime(last_seen) + toIntervalSecond(94608000)' },
    ]);
  });

  it('keeps rows forever when the retention does not fit a DateTime', () => {
    expect(ttlExpression('timestamp', 1e13)).toBeNull();
    expect(ttlExpression('timestamp', Number.POSITIVE_INFINITY)).toBeNull();
    expect(ttlStatement({ database: 'v' }, 'metrics', null)).toBe('ALTER TABLE v.metrics REMOVE TTL');
  });

  it('reads the TTL back from engine_full', () => {
    const full =
      'MergeTree PARTITION BY toYYYYMM(timestamp) ORDER BY (a) TTL timestamp + toIntervalSecond(60) SETTINGS index_granularity = 8192';
    expect(currentTtl(full)).toBe('timestamp + toIntervalSecond(60)');
    expect(currentTtl('MergeTree ORDER BY a SETTINGS x = 1')).toBeNull();
  });
});

describe('bucket query SQL', () => {
  const tier = (name: Tier['name']): Tier => TIERS.find((t) => t.name === name) as Tier;
  const q = {
    service: "svc' --",
    metric: 'm',
    tagFilters: [['region', "eu'"]] as [string, string][],
    groupBy: ['host'],
    from: 120_000,
    to: 180_001,
    stepMs: 60_000,
    tier: tier('1h'),
    needLast: true,
    needSketch: false,
  };

  it('sends every user value as a parameter', () => {
    const { sql, params } = bucketQuerySql('vantage.metrics_1h', q, 'rollup');
    for (const value of [q.service, 'region', "eu'", 'host']) expect(sql).not.toContain(value);
    expect(params).toMatchObject({ service: "svc' --", fk0: 'region', fv0: "eu'", g0: 'host', step: 60_000 });
    expect(params).toMatchObject({ from: 120, to: 181 });
    expect(sql).toContain('max(last_at)');
    expect(sql).not.toContain('sumMap');
    const groups = groupTypesSql('vantage.series', q, 10_001);
    expect(groups.sql).not.toContain('svc');
    // The group count is bounded in SQL, one past the answer limit.
    expect(groups.sql).toContain('LIMIT {groupLimit:UInt32}');
    expect(groups.params).toMatchObject({ groupLimit: 10_001 });
  });

  it('reads last from (last_ts, value_last) in the minute table and sketches when asked', () => {
    const { sql } = bucketQuerySql(
      'vantage.metrics',
      {
        ...q,
        tier: tier('1m'),
        needSketch: true,
        groupBy: [],
      },
      'minute',
    );
    expect(sql).toContain('max((last_ts, value_last))');
    expect(sql).toContain('sumMap(sketch_pos)');
    expect(sql).toContain("CAST([], 'Array(String)') AS grp");
  });

  it("reads a minute tier's per-metric rollup with last as the tuple last_at", () => {
    const { sql } = bucketQuerySql(
      'vantage.metric_agg_1m',
      { ...q, tier: tier('1m'), tagFilters: [], groupBy: [] },
      'rollup',
    );
    expect(sql).toContain('FROM vantage.metric_agg_1m');
    expect(sql).toContain('max(last_at)');
    expect(sql).not.toContain('tags');
  });
});
