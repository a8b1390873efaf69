import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../core/index.js';
import { METRIC_ROLLUP_MIGRATIONS, metricRollupTtlTargets } from './metric-rollup-schema.js';
import { ALL_MIGRATIONS } from './migrator.js';

const [migration] = METRIC_ROLLUP_MIGRATIONS;
if (migration === undefined) throw new Error('no per-metric rollup migration');

describe('the per-metric rollup migration', () => {
  it('is version 7, once in the sequence', () => {
    const versions = ALL_MIGRATIONS.map((m) => m.version);
    expect(migration.version).toBe(7);
    expect(versions.filter((v) => v === 7)).toEqual([7]);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('keys a table per tier by metric and bucket, fed from the minute table, then records its cutoff', () => {
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
    // No backfill: nothing copies tier rows in (that would count rows twice under concurrent
    // writers or migrators). The cutoff comes last, once every view exists.
    expect(statements.filter((s) => s.startsWith('INSERT INTO vantage.metric_agg_'))).toEqual([]);
    expect(statements.some((s) => s.startsWith('TRUNCATE'))).toBe(false);
    const cutoff = statements.findIndex((s) => s.startsWith('INSERT INTO vantage.metric_rollup_cutoffs'));
    expect(cutoff).toBe(statements.length - 1);
    for (const tier of ['metrics', 'metrics_5m', 'metrics_1h', 'metrics_1d']) {
      expect(statements[cutoff]).toContain(`(SELECT count() FROM vantage.${tier})`);
    }
    expect(statements[cutoff]).toContain("toStartOfDay(now('UTC')) + INTERVAL 2 DAY");
  });

  it('on a cluster, writes local tables and records the cutoff through a Distributed one', () => {
    const statements = migration.statements({ database: 'vantage', cluster: 'prod' });
    expect(statements).toContainEqual(
      expect.stringContaining(
        'ENGINE = Distributed(prod, vantage, metric_agg_5m_local, cityHash64(service_name))',
      ),
    );
    expect(statements).toContainEqual(
      expect.stringContaining('ENGINE = Distributed(prod, vantage, metric_rollup_cutoffs_local, rand())'),
    );
    expect(statements.find((s) => s.includes('metric_agg_5m_local_mv'))).toContain(
      'FROM vantage.metrics_local',
    );
    const last = statements[statements.length - 1];
    expect(last).toContain('INSERT INTO vantage.metric_rollup_cutoffs (cutoff)');
    expect(last).toContain('(SELECT count() FROM vantage.metrics_1h)');
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
