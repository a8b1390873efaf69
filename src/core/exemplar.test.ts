import { describe, expect, it } from 'vitest';
import { EXEMPLARS_PER_SERIES_MINUTE, keepExemplar, mergeSeriesExemplars } from './exemplar.js';
import type { Exemplar, SeriesExemplars } from './exemplar.js';
import { MinuteAggregator } from './minute-aggregator.js';

const MINUTE = 1_700_000_040_000;

function exemplar(t: number, value = 1, traceId = 'ab', spanId = 'cd'): Exemplar {
  return { timestamp: MINUTE + t, value, traceId, spanId };
}

/** Every order of a list (small lists only). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('keepExemplar', () => {
  it('keeps the latest few, latest first, and says how many it dropped', () => {
    const list: Exemplar[] = [];
    const dropped = [3, 1, 4, 1, 5, 9, 2].map((t) => keepExemplar(list, exemplar(t, t)));
    expect(list.map((e) => e.timestamp - MINUTE)).toEqual([9, 5, 4]);
    expect(list).toHaveLength(EXEMPLARS_PER_SERIES_MINUTE);
    // 3, 1 and 4 kept; the second 1 is a duplicate; 5 pushes 1 out, 9 pushes 3 out; 2 is too old.
    expect(dropped).toEqual([0, 0, 0, 1, 1, 1, 1]);
  });

  it('keeps the same few whatever order they arrive in: ties on time go to the larger value, then the ids', () => {
    const all = [
      exemplar(7, 1, 'aa'),
      exemplar(7, 2, 'aa'),
      exemplar(7, 2, 'bb'),
      exemplar(3, 50),
      exemplar(7, 2, 'bb', 'ff'),
    ];
    const results = new Set<string>();
    for (const order of permutations(all)) {
      const list: Exemplar[] = [];
      for (const e of order) keepExemplar(list, e);
      results.add(JSON.stringify(list));
    }
    expect([...results]).toEqual([JSON.stringify([all[4], all[2], all[1]])]);
  });

  it('merges lists of several messages to what one list of all of them keeps', () => {
    const group = (ts: number[]): SeriesExemplars => ({
      service: 's',
      name: 'm',
      type: 'gauge',
      tags: '{}',
      start: MINUTE,
      exemplars: ts.map((t) => exemplar(t)),
    });
    const merged = new Map<string, SeriesExemplars>();
    const dropped = [group([2, 8]), group([5]), group([9, 1])].reduce(
      (n, g) => n + mergeSeriesExemplars(merged, g),
      0,
    );
    expect([...merged.values()].map((g) => g.exemplars.map((e) => e.timestamp - MINUTE))).toEqual([
      [9, 8, 5],
    ]);
    expect(dropped).toBe(2);
  });
});

describe('MinuteAggregator.addExemplar', () => {
  it('holds at most a few per series-minute, apart per series, type and minute, however many arrive', () => {
    const m = new MinuteAggregator();
    let dropped = 0;
    for (let i = 0; i < 1000; i++) {
      dropped += m.addExemplar('checkout', 'latency_ms', 'gauge', '{"a":"1"}', exemplar(i % 60_000, i));
      dropped += m.addExemplar('checkout', 'latency_ms', 'gauge', '{"a":"2"}', exemplar(i, i));
    }
    m.addExemplar('checkout', 'latency_ms', 'counter', '{"a":"1"}', exemplar(5));
    m.addExemplar('checkout', 'latency_ms', 'gauge', '{"a":"1"}', exemplar(60_000 + 5));
    expect(dropped).toBe(2 * (1000 - EXEMPLARS_PER_SERIES_MINUTE));
    const { exemplars } = m.drain();
    expect(exemplars.map((g) => [g.tags, g.type, g.start - MINUTE, g.exemplars.map((e) => e.value)])).toEqual(
      [
        ['{"a":"1"}', 'gauge', 0, [999, 998, 997]],
        ['{"a":"2"}', 'gauge', 0, [999, 998, 997]],
        ['{"a":"1"}', 'counter', 0, [1]],
        ['{"a":"1"}', 'gauge', 60_000, [1]],
      ],
    );
    expect(m.drain().exemplars).toEqual([]);
  });
});
