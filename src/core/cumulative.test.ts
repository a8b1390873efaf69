import { describe, expect, it } from 'vitest';
import { decodeAggregateBatch, encodeAggregateBatch } from './aggregate-codec.js';
import { applyPartial, increaseAggregate, NEW_SERIES_WINDOW_MS } from './cumulative.js';
import type { CumulativePartial, CumulativePosition } from './cumulative.js';
import { histogramDistribution } from './histogram.js';
import { MinuteAggregator } from './minute-aggregator.js';

const MINUTE = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
const counter = (total: number) => ({ total, sum: 0, sketch: null });

/** One collector's flush: the totals it took, as (seconds into MINUTE, total) pairs. */
function flush(points: readonly (readonly [number, number])[], start = Number.NaN): CumulativePartial[] {
  const m = new MinuteAggregator();
  for (const [s, total] of points)
    m.addCumulative('api', 'requests_total', '{}', MINUTE + s * 1000, start, counter(total));
  return m.drain().cumulatives;
}

/** The worker's side: partials in bus order through one position; the increases per minute. */
function apply(partials: readonly CumulativePartial[], from?: CumulativePosition) {
  let position = from;
  const increases: number[] = [];
  for (const p of partials) {
    const r = applyPartial(position, p);
    position = r.position;
    increases.push(r.increase.total);
  }
  return { increases, position, total: increases.reduce((a, b) => a + b, 0) };
}

describe('cumulative series', () => {
  it('counts the increase inside a flush, a reset included', () => {
    // 10 → 25 (+15), reset, 4 (+4), 9 (+5): 24 after the baseline of 10.
    const [p] = flush([
      [1, 10],
      [2, 25],
      [3, 4],
      [4, 9],
    ]);
    expect(p?.increase.total).toBe(24);
    expect(
      apply(
        flush([
          [1, 10],
          [2, 25],
          [3, 4],
          [4, 9],
        ]),
      ).total,
    ).toBe(24);
  });

  it('does not lose the step across flushes, minutes and collectors', () => {
    // The truth: a counter at 100 rising by 7 every 15 s for two minutes, its samples dealt
    // round-robin to two collectors, each flushing what it took so far: the bus holds the flushes
    // in time order (a sender waits for each answer before the next batch).
    const totals = Array.from({ length: 9 }, (_, i) => [i * 15, 100 + 7 * i] as const);
    const partials = totals.flatMap((pt) => flush([pt]));
    const { total, increases } = apply(partials);
    expect(total).toBe(7 * 8);
    expect(increases[0]).toBe(0); // the first total is a baseline
    // Attributed to the minute of the later sample: 4 steps in the first minute, 4 in the second.
    const byMinute = new Map<number, number>();
    partials.forEach((p, i) =>
      byMinute.set(p.start, (byMinute.get(p.start) ?? 0) + (increases[i] as number)),
    );
    expect([...byMinute.values()]).toEqual([21, 28, 7]);
  });

  it('counts a reset across flushes as the new total', () => {
    const { total } = apply([...flush([[1, 50]]), ...flush([[20, 80]]), ...flush([[40, 3]])]);
    expect(total).toBe(30 + 3);
  });

  it('counts a later start time as a reset even when the total did not fall', () => {
    const a = flush([[1, 50]], MINUTE - 2 * NEW_SERIES_WINDOW_MS); // long running: a baseline
    const b = flush([[30, 70]], MINUTE + 10_000); // restarted at +10 s, already past 50
    expect(apply([...a, ...b]).total).toBe(70);
  });

  it('counts a new series from zero when its start is known and recent, else takes a baseline', () => {
    expect(apply(flush([[30, 12]], MINUTE)).total).toBe(12);
    expect(apply(flush([[30, 12]], MINUTE - NEW_SERIES_WINDOW_MS - 60_000)).total).toBe(0);
    expect(apply(flush([[30, 12]])).total).toBe(0);
  });

  it('adds nothing for a partial no later than the position (a repeat)', () => {
    const first = flush([
      [10, 5],
      [20, 9],
    ]);
    const { position } = apply(first);
    expect(apply(first, position).total).toBe(0);
  });

  it('turns cumulative histograms into the observations of each minute', () => {
    const h = (counts: number[]) =>
      histogramDistribution(
        {
          layout: 'explicit',
          bounds: [10, 100],
          counts,
          count: counts.reduce((a, b) => a + b, 0),
          sum: Number.NaN,
          min: Number.NaN,
          max: Number.NaN,
        },
        false,
      );
    const m = new MinuteAggregator();
    for (const [s, counts] of [
      [0, [1, 2, 0]],
      [30, [1, 5, 4]],
    ] as const) {
      const d = h([...counts]);
      m.addCumulative('api', 'latency', '{}', MINUTE + s * 1000, Number.NaN, {
        total: d.count,
        sum: d.sum,
        sketch: d.sketch,
      });
    }
    const [p] = m.drain().cumulatives;
    const { increase } = applyPartial(undefined, p as CumulativePartial);
    const agg = increaseAggregate(p as CumulativePartial, increase);
    expect(agg?.type).toBe('gauge');
    expect(agg?.count).toBe(7); // 3 more in (10, 100], 4 in (100, +Inf)
    expect(agg?.sketch?.quantile(0)).toBeGreaterThan(10);
    expect(agg?.sketch?.quantile(1)).toBeCloseTo(100, -1);
  });

  it('travels on the bus in order, and a version 2 message is still read', () => {
    const partials = [
      ...flush([
        [1, 10],
        [2, 12],
      ]),
      ...flush([[5, 20]]),
    ];
    const back = decodeAggregateBatch(
      encodeAggregateBatch({ samples: 3, createdAt: 1, aggregates: [], cumulatives: partials }),
    );
    expect(back.cumulatives).toEqual(partials);
    const v3 = encodeAggregateBatch({ samples: 0, createdAt: 1, aggregates: [] });
    // Version 3 ends with two empty sections (cumulatives, exemplars): a u32 count each.
    const v2 = Buffer.from(v3.subarray(0, v3.length - 8));
    v2[3] = 2;
    expect(decodeAggregateBatch(v2)).toEqual({
      samples: 0,
      createdAt: 1,
      aggregates: [],
      cumulatives: [],
      exemplars: [],
    });
  });
});
