import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addSample,
  canonicalTags,
  encodeAggregateBatch,
  MINUTE_MS,
  newAggregate,
} from '../src/core/index.js';
import { SegmentLog } from '../src/bus/index.js';
import { eventually, postMetrics, timeseries } from './support/http.js';
import type { TestMetric } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * No record can stop the pipeline (issue 10, finding 1). Once, one request of ±1e308 made the
 * minute sums overflow to ±Infinity and their 5-minute rollup to NaN; SQLite refused it, the worker
 * retried it for ever, and every later sample was answered 202 and never stored. Embedded Vantage,
 * a real process on a real SQLite file.
 */
const FIVE_MINUTES = 5 * MINUTE_MS;
// The start of a 5-minute bucket a few buckets ago, as in the report.
const T = Math.floor((Date.now() - 30 * MINUTE_MS) / FIVE_MINUTES) * FIVE_MINUTES;

let dir: string;
let vantage: VantageProcess;

async function start(): Promise<void> {
  vantage = await startVantageProcess(dir, ['--rate-limit-per-minute', '100000', '--worker-linger', '20ms']);
}

async function stop(): Promise<void> {
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
}

/** Posts one sample of a metric of its own and waits until the query API has it: the worker advanced. */
async function workerAdvances(name: string): Promise<void> {
  const res = await postMetrics(vantage.collector, [{ service: 'sentinel', name, value: 1 }]);
  expect(res.status).toBe(202);
  await eventually(
    async () => {
      const series = await timeseries(vantage.api, {
        service: 'sentinel',
        metric: name,
        from: '-10m',
        step: '1m',
      });
      return series[0]?.points.length ? true : undefined;
    },
    15_000,
    `the sentinel ${name} to be stored`,
  );
}

async function points(metric: string, agg: string, step: string): Promise<[number, number | null][]> {
  const series = await timeseries(vantage.api, {
    service: 'p',
    metric,
    from: String(T),
    to: String(T + 60 * MINUTE_MS),
    step,
    agg,
  });
  return series.flatMap((s) => s.points);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-poison-'));
  await start();
});

afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('one request can no longer stop storage', () => {
  it('refuses the values whose sums would overflow, per sample, with a coded answer', async () => {
    const m = (value: number, at: number): TestMetric => ({ service: 'p', name: 'm', value, timestamp: at });
    const res = await postMetrics(vantage.collector, [
      m(1e308, T + 10_000),
      m(1e308, T + 10_000),
      m(-1e308, T + 70_000),
      m(-1e308, T + 70_000),
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { rejected: { code: string; field: string }[] };
    expect(body.rejected.map((r) => [r.code, r.field])).toEqual(
      [0, 1, 2, 3].map((i) => ['VTG_INGEST_VALUE_OUT_OF_RANGE', `metrics[${i}].value`]),
    );
    await workerAdvances('after_refused');
  });

  it('stores the largest accepted values in every tier with finite sums, and goes on', async () => {
    const m = (value: number, at: number): TestMetric => ({
      service: 'p',
      name: 'edge',
      value,
      timestamp: at,
    });
    const res = await postMetrics(vantage.collector, [
      m(1e291, T + 10_000),
      m(1e291, T + 10_000),
      m(-1e291, T + 70_000),
      m(-1e291, T + 70_000),
    ]);
    expect(res.status).toBe(202);
    await workerAdvances('after_edge');
    expect(await points('edge', 'sum', '1m')).toEqual([
      [T, 2e291],
      [T + MINUTE_MS, -2e291],
    ]);
    // The 5-minute and hour rollups add the two minutes: exactly 0, not NaN.
    for (const step of ['5m', '1h']) {
      const bucket = step === '5m' ? T : Math.floor(T / (60 * MINUTE_MS)) * 60 * MINUTE_MS;
      expect(await points('edge', 'sum', step)).toEqual([[bucket, 0]]);
      expect(await points('edge', 'max', step)).toEqual([[bucket, 1e291]]);
      expect(await points('edge', 'min', step)).toEqual([[bucket, -1e291]]);
    }
  });

  it('sets aside poison an older collector left on the bus, and stores what comes after', async () => {
    await stop();
    // Written straight to the log, as a collector before this fix published it: two halves of
    // one 5-minute bucket whose sums overflowed, in two messages.
    const log = await SegmentLog.open({ dir: join(dir, 'bus') });
    for (const [minute, sum] of [
      [0, Number.POSITIVE_INFINITY],
      [1, Number.NEGATIVE_INFINITY],
    ] as const) {
      const a = newAggregate('p', 'poison', 'gauge', canonicalTags({}), T + minute * MINUTE_MS);
      addSample(a, 1e308, T + minute * MINUTE_MS + 10_000);
      addSample(a, 1e308, T + minute * MINUTE_MS + 10_000);
      a.sum = sum;
      await log.append(encodeAggregateBatch({ samples: 2, createdAt: Date.now(), aggregates: [a] }));
    }
    await log.close();
    await start();
    await workerAdvances('after_poison');
    const res = await fetch(`${vantage.api}/v1/dead-letters`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { deadLetters: { metric: string; sum: string; reason: string }[] };
    expect(body.deadLetters.map((d) => [d.metric, d.sum, d.reason])).toEqual([
      ['poison', '-Infinity', 'sum is -Infinity, not a finite number'],
      ['poison', 'Infinity', 'sum is Infinity, not a finite number'],
    ]);
    const metrics = await (await fetch(vantage.workerMetrics)).text();
    expect(metrics).toMatch(/^vantage_worker_dead_letter_total({[^}]*})? 2$/m);
    expect(await points('poison', 'sum', '1m')).toEqual([]);
  });
});

describe('property: random extreme values never stop the worker', () => {
  const LIMIT = 1e291;
  const value = fc.oneof(
    fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, LIMIT, -LIMIT, 1e292, -1e292),
    fc.constantFrom(0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, 1e-300),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  );
  const metric = fc.record({
    value,
    offset: fc.integer({ min: 0, max: 15 * MINUTE_MS - 1 }),
    type: fc.constantFrom('gauge' as const, 'counter' as const),
    route: fc.constantFrom('/a', '/b', '/c'),
  });

  it('after any batch the worker advances, and every answer over it is a finite number', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(metric, { minLength: 1, maxLength: 40 }), async (batch) => {
        run++;
        const name = `prop_${run}`;
        const res = await postMetrics(
          vantage.collector,
          batch.map((b) => ({
            service: 'p',
            name,
            value: b.value,
            timestamp: T + b.offset,
            type: b.type,
            tags: { route: b.route },
          })),
        );
        expect([202, 400]).toContain(res.status);
        await workerAdvances(`sentinel_${run}`);
        for (const step of ['1m', '5m', '1h'])
          for (const agg of ['sum', 'avg', 'min', 'max', 'last', 'rate', 'p99'])
            for (const [, v] of await points(name, agg, step))
              expect(Number.isFinite(v), `${agg} ${step}`).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
