import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  addSample,
  aggregateKey,
  aggregateProblem,
  mergeAggregate,
  newAggregate,
  rebucket,
} from './aggregate.js';
import { METRIC_LIMITS } from './metric-limits.js';
import type { Aggregate } from './aggregate.js';
import type { MetricType } from './sample.js';

const START = 1_700_000_040_000; // a minute boundary

function build(type: MetricType, samples: readonly (readonly [number, number])[]): Aggregate {
  const agg = newAggregate('checkout', 'latency_ms', type, '{"region":"eu"}', START);
  for (const [value, ts] of samples) addSample(agg, value, ts);
  return agg;
}

function comparable(a: Aggregate): Record<string, unknown> {
  return {
    service: a.service,
    name: a.name,
    type: a.type,
    tags: a.tags,
    start: a.start,
    count: a.count,
    sum: a.sum,
    min: a.min,
    max: a.max,
    last: a.last,
    lastTimestamp: a.lastTimestamp,
    sketch: a.sketch ? a.sketch.encode().toString('hex') : null,
  };
}

describe('addSample', () => {
  it('tracks count, sum, min, max and the sketch', () => {
    const a = build('gauge', [
      [5, START + 1],
      [-2, START + 2],
      [11, START + 3],
    ]);
    expect(a.count).toBe(3);
    expect(a.sum).toBe(14);
    expect(a.min).toBe(-2);
    expect(a.max).toBe(11);
    expect(a.sketch?.count).toBe(3);
  });

  it('keeps no sketch for counters', () => {
    const a = build('counter', [[3, START]]);
    expect(a.sketch).toBeNull();
    expect(a.sum).toBe(3);
  });

  it('keeps as last the latest sample, whatever order samples arrive in', () => {
    const a = build('gauge', [
      [7, START + 500],
      [1, START + 100],
      [9, START + 300],
    ]);
    expect(a.last).toBe(7);
    expect(a.lastTimestamp).toBe(START + 500);
  });

  it('breaks a tie on time in favour of the larger value', () => {
    const a = build('gauge', [
      [4, START + 10],
      [8, START + 10],
      [6, START + 10],
    ]);
    expect(a.last).toBe(8);
    const b = build('gauge', [
      [8, START + 10],
      [4, START + 10],
    ]);
    expect(b.last).toBe(8);
  });

  it('handles a negative latest value', () => {
    const a = build('gauge', [
      [5, START],
      [-3, START + 1],
    ]);
    expect(a.last).toBe(-3);
  });
});

describe('mergeAggregate', () => {
  const sampleArb = fc.tuple(
    fc.integer({ min: -1000, max: 1000 }),
    // A narrow time range so that ties on time are common.
    fc.integer({ min: START, max: START + 20 }),
  );

  for (const type of ['gauge', 'counter'] as const) {
    it(`partials of any split merge to the aggregate of all samples (${type}, property)`, () => {
      fc.assert(
        fc.property(
          fc.array(sampleArb, { minLength: 1, maxLength: 120 }),
          fc.array(fc.nat(), { maxLength: 120 }),
          fc.integer({ min: 1, max: 5 }),
          fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
          (samples, assignment, parts, orderKeys) => {
            const whole = build(type, samples);
            const partSamples: [number, number][][] = Array.from({ length: parts }, () => []);
            samples.forEach((s, i) => partSamples[(assignment[i] ?? i) % parts]?.push([s[0], s[1]]));
            const partials = partSamples
              .map((p, i) => ({ agg: build(type, p), k: orderKeys[i] ?? 0 }))
              .sort((x, y) => x.k - y.k)
              .map((x) => x.agg);
            const [first, ...rest] = partials;
            if (first === undefined) throw new Error('no partials');
            for (const p of rest) mergeAggregate(first, p);
            expect(comparable(first)).toEqual(comparable(whole));
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('is commutative on last when timestamps tie', () => {
    const a = build('gauge', [[3, START + 5]]);
    const b = build('gauge', [[9, START + 5]]);
    const ab = rebucket(a, START);
    mergeAggregate(ab, b);
    const ba = rebucket(b, START);
    mergeAggregate(ba, a);
    expect(ab.last).toBe(9);
    expect(ba.last).toBe(9);
  });

  it('treats an empty aggregate as identity', () => {
    const a = build('gauge', [
      [2, START + 1],
      [-1, START + 2],
    ]);
    const before = comparable(a);
    mergeAggregate(a, newAggregate('checkout', 'latency_ms', 'gauge', '{"region":"eu"}', START));
    expect(comparable(a)).toEqual(before);

    const empty = newAggregate('checkout', 'latency_ms', 'gauge', '{"region":"eu"}', START);
    mergeAggregate(empty, a);
    expect(comparable(empty)).toEqual(before);
  });

  it('adopts a sketch when merging into an aggregate that had none', () => {
    const into: Aggregate = { ...build('gauge', [[1, START]]), sketch: null };
    const from = build('gauge', [
      [2, START + 1],
      [3, START + 2],
    ]);
    mergeAggregate(into, from);
    expect(into.sketch?.count).toBe(2);
    expect(into.sketch).not.toBe(from.sketch);
  });
});

describe('rebucket', () => {
  it('moves the aggregate to a new start with the same statistics', () => {
    const a = build('gauge', [
      [10, START + 1],
      [20, START + 2],
    ]);
    const hour = START - (START % 3_600_000);
    const r = rebucket(a, hour);
    expect(r.start).toBe(hour);
    expect({ ...comparable(r), start: START }).toEqual(comparable(a));
  });

  it('shares nothing with its input', () => {
    const a = build('gauge', [[10, START + 1]]);
    const before = comparable(a);
    const r = rebucket(a, START);
    addSample(r, 99, START + 50);
    expect(comparable(a)).toEqual(before);
    expect(r.sketch).not.toBe(a.sketch);
  });

  it('keeps counters without a sketch', () => {
    expect(rebucket(build('counter', [[1, START]]), START).sketch).toBeNull();
  });
});

describe('aggregateKey', () => {
  it('differs on each part of the identity', () => {
    const base = { service: 's', name: 'n', type: 'gauge' as const, tags: '{}', start: START };
    const keys = new Set([
      aggregateKey(base),
      aggregateKey({ ...base, service: 's2' }),
      aggregateKey({ ...base, name: 'n2' }),
      aggregateKey({ ...base, type: 'counter' }),
      aggregateKey({ ...base, tags: '{"a":"1"}' }),
      aggregateKey({ ...base, start: START + 60_000 }),
    ]);
    expect(keys.size).toBe(6);
  });
});

describe('closed arithmetic: aggregates of accepted values are always finite', () => {
  const LIMIT = METRIC_LIMITS.valueMaxMagnitude;
  // The edges the collector accepts, and ordinary values between them.
  const edgeValue = fc.oneof(
    fc.constantFrom(LIMIT, -LIMIT, 0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 1e-300, 2.2e-308, 1),
    fc.double({ min: -LIMIT, max: LIMIT, noNaN: true }),
  );

  it('sums, rollups and sketches stay finite however partials are split and merged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(edgeValue, fc.nat(59_999)), { minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (samples, cuts) => {
          // The same samples as several partials (requests, flushes, collectors), merged into
          // one hour bucket as the rollups do.
          const bounds = [...new Set(cuts.map((c) => c % samples.length))].sort((a, b) => a - b);
          const parts: Aggregate[] = [];
          let from = 0;
          for (const to of [...bounds, samples.length]) {
            if (to <= from) continue;
            parts.push(
              build(
                'gauge',
                samples.slice(from, to).map(([v, dt]) => [v, START + dt]),
              ),
            );
            from = to;
          }
          const hour = newAggregate('checkout', 'latency_ms', 'gauge', '{"region":"eu"}', START);
          for (const p of parts) mergeAggregate(hour, rebucket(p, START));
          for (const a of [...parts, hour]) {
            expect(aggregateProblem(a)).toBeUndefined();
            for (const q of [0, 0.5, 0.99, 1]) expect(Number.isFinite(a.sketch?.quantile(q))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('2^20 samples at the limit, of one sign and then mixed, sum to finite values', () => {
    const agg = newAggregate('s', 'm', 'counter', '{}', START);
    const one = newAggregate('s', 'm', 'counter', '{}', START);
    addSample(one, LIMIT, START);
    // Doubling by merges reaches 2^20 samples: far more than a minute of one series holds.
    for (let i = 0; i < 20; i++) mergeAggregate(one, { ...one });
    mergeAggregate(agg, one);
    expect(agg.count).toBe(2 ** 20);
    expect(agg.sum).toBe(LIMIT * 2 ** 20);
    const negative = newAggregate('s', 'm', 'counter', '{}', START);
    addSample(negative, -LIMIT, START + 1);
    mergeAggregate(agg, negative);
    expect(Number.isFinite(agg.sum)).toBe(true);
  });
});

describe('aggregateProblem', () => {
  const good = (): Aggregate => build('gauge', [[1, START]]);

  it('passes an aggregate the collector builds', () => {
    expect(aggregateProblem(good())).toBeUndefined();
  });

  it.each([
    ['sum', Number.NaN, /sum is NaN/],
    ['sum', Number.POSITIVE_INFINITY, /sum is Infinity/],
    ['min', Number.NEGATIVE_INFINITY, /min is -Infinity/],
    ['max', Number.NaN, /max is NaN/],
    ['last', Number.POSITIVE_INFINITY, /last is Infinity/],
    ['count', 0, /count is 0/],
    ['count', 1.5, /count is 1.5/],
    ['start', Number.NaN, /start is NaN/],
    ['start', -60_000, /start is -60000/],
    ['lastTimestamp', 1e300, /lastTimestamp is 1e\+300/],
  ] as const)('refuses %s = %s with a reason that names it', (field, value, reason) => {
    const agg = { ...good(), [field]: value };
    expect(aggregateProblem(agg)).toMatch(reason);
  });
});
