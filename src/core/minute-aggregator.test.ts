import { describe, it, expect } from 'vitest';
import { MinuteAggregator } from './minute-aggregator.js';
import type { Sample } from './sample.js';

const MINUTE = 1_700_000_040_000; // a minute boundary

function sample(overrides: Partial<Sample> = {}): Sample {
  return {
    service: 'checkout',
    name: 'latency_ms',
    value: 1,
    timestamp: MINUTE + 1_000,
    type: 'gauge',
    tags: { region: 'eu', host: 'a' },
    ...overrides,
  };
}

describe('MinuteAggregator', () => {
  it('folds samples of one series-minute into one aggregate, whatever the tag key order', () => {
    const m = new MinuteAggregator();
    m.add(sample({ value: 3, tags: { region: 'eu', host: 'a' }, timestamp: MINUTE + 10 }));
    m.add(sample({ value: 5, tags: { host: 'a', region: 'eu' }, timestamp: MINUTE + 59_999 }));
    expect(m.size).toBe(1);
    expect(m.sampleCount).toBe(2);
    const { aggregates, samples } = m.drain();
    expect(samples).toBe(2);
    expect(aggregates).toHaveLength(1);
    const [a] = aggregates;
    expect(a?.tags).toBe('{"host":"a","region":"eu"}');
    expect(a?.start).toBe(MINUTE);
    expect(a?.count).toBe(2);
    expect(a?.sum).toBe(8);
    expect(a?.last).toBe(5);
  });

  it('keeps separate aggregates per service, name, type, tags and minute', () => {
    const m = new MinuteAggregator();
    m.add(sample());
    m.add(sample({ service: 'cart' }));
    m.add(sample({ name: 'errors' }));
    m.add(sample({ type: 'counter' }));
    m.add(sample({ tags: { region: 'us', host: 'a' } }));
    m.add(sample({ tags: {} }));
    m.add(sample({ timestamp: MINUTE + 60_000 }));
    m.add(sample({ timestamp: MINUTE - 1 }));
    expect(m.size).toBe(8);
    const { aggregates } = m.drain();
    const starts = aggregates.map((a) => a.start).sort((x, y) => x - y);
    expect(starts[0]).toBe(MINUTE - 60_000);
    expect(starts[starts.length - 1]).toBe(MINUTE + 60_000);
    expect(aggregates.every((a) => a.count === 1)).toBe(true);
    expect(aggregates.find((a) => a.type === 'counter')?.sketch).toBeNull();
    expect(aggregates.find((a) => a.tags === '{}')).toBeDefined();
  });

  it('drain resets, and what it handed out is not touched by later samples', () => {
    const m = new MinuteAggregator();
    m.add(sample({ value: 2 }));
    const first = m.drain();
    expect(m.size).toBe(0);
    expect(m.sampleCount).toBe(0);
    expect(m.drain()).toEqual({ aggregates: [], cumulatives: [], exemplars: [], samples: 0 });

    m.add(sample({ value: 100 }));
    const [a] = first.aggregates;
    expect(a?.count).toBe(1);
    expect(a?.sum).toBe(2);
    const second = m.drain();
    expect(second.aggregates[0]?.sum).toBe(100);
    expect(second.aggregates[0]).not.toBe(a);
  });
});
