import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS, MINUTE_MS, VantageError, addSample, newAggregate } from '../../core/index.js';
import type { TierRetention } from '../../core/index.js';
import { prepareVql } from '../../query/index.js';
import type { AnswerLimits } from '../answer-limits.js';
import { SqliteStore } from './sqlite-store.js';
import { bucketQuery, tier } from '../../../test/support/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const LIMITS: AnswerLimits = { maxSeries: 5, maxPoints: 100, maxSeriesScanned: 20, maxRowsScanned: 100_000 };

let dir: string;
let store: SqliteStore | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-limits-'));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** One metric of twelve hosts in two regions, ten minutes of data each. */
async function openStore(limits: AnswerLimits = LIMITS): Promise<SqliteStore> {
  store = new SqliteStore({ path: join(dir, 'vantage.db'), retention: FOREVER, answerLimits: limits });
  const aggregates = [];
  for (let h = 0; h < 12; h++)
    for (let m = 0; m < 10; m++) {
      const tags = JSON.stringify({ host: `h${h}`, region: h % 2 === 0 ? 'eu' : 'us' });
      const a = newAggregate('checkout', 'latency_ms', 'gauge', tags, T0 + m * MINUTE_MS);
      addSample(a, h + m, T0 + m * MINUTE_MS);
      aggregates.push(a);
    }
  await store.write(aggregates, []);
  return store;
}

async function refusal(p: Promise<unknown>): Promise<VantageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VantageError);
  return err as VantageError;
}

const tenMinutes = { to: T0 + 10 * MINUTE_MS, tier: tier('1m') };

describe('answer limits of the SQLite store', () => {
  it('refuses more groups than --query-max-series with a 422 that says how to narrow, and answers narrower queries', async () => {
    const s = await openStore();
    const err = await refusal(s.queryBuckets(bucketQuery(T0, { ...tenMinutes, groupBy: ['host'] })));
    expect(err.code).toBe('VTG_QUERY_TOO_MANY_SERIES');
    expect(err.statusCode).toBe(422);
    expect(err.message).toContain('more than 5 series');
    expect(err.message).toContain('group by fewer keys');
    const byRegion = await s.queryBuckets(bucketQuery(T0, { ...tenMinutes, groupBy: ['region'] }));
    expect(byRegion.map((g) => g.tags)).toEqual([{ region: 'eu' }, { region: 'us' }]);
    const filtered = await s.queryBuckets(
      bucketQuery(T0, { ...tenMinutes, tagFilters: [['host', 'h1']], groupBy: ['host'] }),
    );
    expect(filtered.map((g) => g.tags)).toEqual([{ host: 'h1' }]);
  });

  it('stops reading an answer one point past --query-max-points', async () => {
    const s = await openStore({ ...LIMITS, maxPoints: 15 });
    // Two groups x ten stored minutes = 20 points; a sparse day of one-minute steps is fine.
    const err = await refusal(s.queryBuckets(bucketQuery(T0, { ...tenMinutes, groupBy: ['region'] })));
    expect(err.code).toBe('VTG_QUERY_ANSWER_TOO_LARGE');
    expect(err.statusCode).toBe(422);
    expect(err.message).toContain('raise the step');
    const coarser = await s.queryBuckets(
      bucketQuery(T0, { to: T0 + DAY_MS, stepMs: 5 * MINUTE_MS, tier: tier('5m'), groupBy: ['region'] }),
    );
    expect(coarser.map((g) => g.buckets.length)).toEqual([2, 2]);
  });

  it('refuses queries that would scan more series or rows than allowed', async () => {
    const series = await openStore({ ...LIMITS, maxSeriesScanned: 11 });
    const tooMany = await refusal(series.queryBuckets(bucketQuery(T0, tenMinutes)));
    expect(tooMany.code).toBe('VTG_QUERY_TOO_COSTLY');
    expect(tooMany.message).toContain('about 12 series');
    await series.close();
    rmSync(join(dir, 'vantage.db'));
    const rows = await openStore({ ...LIMITS, maxPoints: 1e9, maxRowsScanned: 12 * 1_000 });
    // 12 series x 1,440 minutes of a day at the 1-minute tier: 17,280 rows at most.
    const err = await refusal(rows.queryBuckets(bucketQuery(T0, { to: T0 + DAY_MS, tier: tier('1m') })));
    expect(err.code).toBe('VTG_QUERY_TOO_COSTLY');
    expect(err.message).toContain('--query-max-rows-scanned');
  });

  it('stops a VQL answer one row past the limit', async () => {
    const s = await openStore();
    const byHost = prepareVql(
      "SELECT tags.host, avg(value) FROM metrics WHERE metric_name = 'latency_ms' AND timestamp >= 1704067200000 AND timestamp < 1704067800000 GROUP BY tags.host",
      { now: T0 + DAY_MS, retention: FOREVER },
    );
    expect((await refusal(s.queryVql(byHost))).code).toBe('VTG_QUERY_TOO_MANY_SERIES');
    const byMinute = prepareVql(
      "SELECT tags.region, time_bucket(1m), avg(value) FROM metrics WHERE metric_name = 'latency_ms' AND timestamp >= 1704067200000 AND timestamp < 1704067800000 GROUP BY tags.region, time_bucket(1m)",
      { now: T0 + DAY_MS, retention: FOREVER },
    );
    const { rows } = await s.queryVql(byMinute);
    expect(rows).toHaveLength(20);
    const tight = await openStoreAgain({ ...LIMITS, maxPoints: 19 });
    expect((await refusal(tight.queryVql(byMinute))).code).toBe('VTG_QUERY_ANSWER_TOO_LARGE');
  });
});

async function openStoreAgain(limits: AnswerLimits): Promise<SqliteStore> {
  await store?.close();
  store = new SqliteStore({ path: join(dir, 'vantage.db'), retention: FOREVER, answerLimits: limits });
  return store;
}
