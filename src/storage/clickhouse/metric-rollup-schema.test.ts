import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../core/index.js';
import { METRIC_ROLLUP_MIGRATIONS, metricRollupTtlTargets } from './metric-rollup-schema.js';
import { ALL_MIGRATIONS } from './migrator.js';

const [migration] = METRIC_ROLLUP_MIGRATIONS;
if (migration === undefined) throw new Error('no per-metric rollup migration');

describe('the per-metric rollup migration', () => {
  it('comes after every other version', () => {
    const versions = ALL_MIGRATIONS.map((m) => m.version);
    expect(migration.version).toBe(Math.max(...versions));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('keys a table per tier by metric and bucket, fed from the minute table, then fills it from the tier', () => {
    const statements = migration.statements({ database: 'vantage' });
    const table = statements.find((s) => s.includes('TABLE IF NOT EXISTS vantage.metric_agg_1h ('));
    expect(table).toContain('ORDER BY (service_name, metric_name, type, timestamp)');
    expect(table).toContain('PARTITION BY toYYYYMM(timestamp)');
    expect(table).not.toContain('series_id');
    expect(statements.find((s) => s.includes('vantage.metric_agg_1d ('))).toContain(
      'PARTITION BY toYear(timestamp)',
    );
    const view = statements.find((s) => s.includes('VIEW IF NOT EXISTS vantage.metric_agg_1h_mv'));
    expect(view).toContain('toStartOfHour(timestamp) AS timestamp');
    expect(view).toContain('FROM vantage.metrics\n');
    // The backfill reads the tier's own rows (they outlive the minute rows), after emptying the
    // rollup so that a second run does not count twice.
    const truncate = statements.indexOf('TRUNCATE TABLE IF EXISTS vantage.metric_agg_1h');
    const insert = statements.findIndex((s) => s.startsWith('INSERT INTO vantage.metric_agg_1h '));
    expect(truncate).toBeGreaterThan(statements.indexOf(view as string));
    expect(insert).toBe(truncate + 1);
    expect(statements[insert]).toContain('FROM vantage.metrics_1h\n');
    expect(statements[insert]).toContain('max(last_at) AS last_at');
    const minute = statements.find((s) => s.startsWith('INSERT INTO vantage.metric_agg_1m '));
    expect(minute).toContain('max((last_ts, value_last)) AS last_at');
  });

  it('on a cluster, writes local tables and backfills through the Distributed ones', () => {
    const statements = migration.statements({ database: 'vantage', cluster: 'prod' });
    expect(statements).toContainEqual(
      expect.stringContaining(
        'ENGINE = Distributed(prod, vantage, metric_agg_5m_local, cityHash64(service_name))',
      ),
    );
    expect(statements.find((s) => s.includes('metric_agg_5m_local_mv'))).toContain(
      'FROM vantage.metrics_local',
    );
    expect(statements).toContain('TRUNCATE TABLE IF EXISTS vantage.metric_agg_5m_local ON CLUSTER prod');
    expect(statements.find((s) => s.startsWith('INSERT INTO vantage.metric_agg_5m '))).toContain(
      'FROM vantage.metrics_5m\n',
    );
  });

  it('keeps each rollup as long as its tier', () => {
    const retention = { '1m': 7 * DAY_MS, '5m': 30 * DAY_MS, '1h': 365 * DAY_MS, '1d': Infinity };
    expect(metricRollupTtlTargets({ database: 'v', cluster: 'c' }, retention)).toEqual([
      { table: 'metric_agg_1m_local', expression: 'timestamp + toIntervalSecond(604800)' },
      { table: 'metric_agg_5m_local', expression: 'timestamp + toIntervalSecond(2592000)' },
      { table: 'metric_agg_1h_local', expression: 'timestamp + toIntervalSecond(31536000)' },
      { table: 'metric_agg_1d_local', expression: null },
    ]);
  });
});
