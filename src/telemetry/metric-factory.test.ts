import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricSet } from './metric-factory.js';

const BUCKETS = [0.1, 1];

const createSet = metricSet((m, read: () => number) => {
  m.readGauge('vantage_test_read', 'A gauge read at scrape time', read);
  return {
    hits: m.counter('vantage_test_hits_total', 'Hits by kind', ['kind']),
    held: m.gauge('vantage_test_held', 'Things held'),
    took: m.histogram('vantage_test_seconds', 'Time taken', BUCKETS, ['kind']),
  };
});

describe('metricSet', () => {
  it('declares each metric on the registry it is given, so two roles keep their own values', async () => {
    const a = new Registry();
    const b = new Registry();
    const onA = createSet(a, () => 1);
    createSet(b, () => 2);
    onA.hits.inc({ kind: 'x' }, 3);
    onA.took.observe({ kind: 'x' }, 0.5);

    const textA = await a.metrics();
    expect(textA).toContain('# HELP vantage_test_hits_total Hits by kind');
    expect(textA).toContain('vantage_test_hits_total{kind="x"} 3');
    expect(textA).toContain('vantage_test_seconds_bucket{le="0.1",kind="x"} 0');
    expect(textA).toContain('vantage_test_seconds_bucket{le="1",kind="x"} 1');
    expect(textA).toContain('vantage_test_read 1');
    const textB = await b.metrics();
    expect(textB).not.toContain('vantage_test_hits_total{kind="x"}');
    expect(textB).toContain('vantage_test_read 2');
  });

  it('reads a read gauge again at every scrape', async () => {
    const registry = new Registry();
    let n = 4;
    createSet(registry, () => n);
    expect(await registry.metrics()).toContain('vantage_test_read 4');
    n = 9;
    expect(await registry.metrics()).toContain('vantage_test_read 9');
  });
});
