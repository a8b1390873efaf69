import { describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import { decodeAggregateBatch, PointColumns } from '../core/index.js';
import { pointPipeline } from '../../test/support/recording-producer.js';

const NOW = Date.UTC(2026, 11, 7, 10, 0, 30);
const MINUTE_START = Date.UTC(2026, 11, 7, 10, 0, 0);
const TRACE = 'ab'.repeat(16);

const pipeline = pointPipeline;

async function counted(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of [
    'vantage_collector_exemplars_received_total',
    'vantage_collector_exemplars_dropped_total',
  ]) {
    const metric = await registry.getSingleMetric(name)?.get();
    for (const v of metric?.values ?? [])
      out[`${name}${v.labels.reason ? `{${v.labels.reason}}` : ''}`] = v.value;
  }
  return out;
}

describe('PipelinePointIngest exemplars', () => {
  it('publishes a few per series-minute of admitted series, under the stored type and canonical tags', async () => {
    const { producer, ingest, registry } = pipeline();
    const c = new PointColumns();
    const hist = c.addSeries('api', 'latency', 'histogram-cumulative', ['route', '/a', 'host', 'h1'], 'h');
    const total = c.addSeries('api', 'requests_total', 'cumulative', [], 'c');
    const bad = c.addSeries('api', 'bad name!', 'gauge', [], 'b');
    c.addPoint(total, NOW - 1000, 10);
    c.addHistogram(hist, NOW - 1000, {
      layout: 'explicit',
      bounds: [1],
      counts: [1, 0],
      count: 1,
      sum: 0.5,
      min: Number.NaN,
      max: Number.NaN,
    });
    c.addPoint(bad, NOW - 1000, 1);
    // Five for the histogram in one minute (three kept), one for the counter (ms fraction cut),
    // one of a refused series, one too old, one with an id too long.
    for (let i = 0; i < 5; i++) c.addExemplar(hist, MINUTE_START + i * 1000, i, TRACE, 'cd'.repeat(8));
    c.addExemplar(total, NOW - 500.5, 1, TRACE, '');
    c.addExemplar(bad, NOW - 500, 1, TRACE, '');
    c.addExemplar(total, NOW - 7_200_000, 1, TRACE, '');
    c.addExemplar(total, NOW - 500, 1, 'a'.repeat(65), '');
    expect((await ingest.submit(c, NOW)).accepted).toBe(2);

    const { exemplars } = decodeAggregateBatch(producer.published[0] as Buffer);
    expect(exemplars).toEqual([
      {
        service: 'api',
        name: 'latency',
        type: 'gauge',
        tags: '{"host":"h1","route":"/a"}',
        start: MINUTE_START,
        exemplars: [4, 3, 2].map((i) => ({
          timestamp: MINUTE_START + i * 1000,
          value: i,
          traceId: TRACE,
          spanId: 'cd'.repeat(8),
        })),
      },
      {
        service: 'api',
        name: 'requests_total',
        type: 'counter',
        tags: '{}',
        start: MINUTE_START,
        exemplars: [{ timestamp: NOW - 501, value: 1, traceId: TRACE, spanId: '' }],
      },
    ]);
    expect(await counted(registry)).toEqual({
      vantage_collector_exemplars_received_total: 9,
      'vantage_collector_exemplars_dropped_total{series_refused}': 1,
      'vantage_collector_exemplars_dropped_total{invalid}': 2,
      'vantage_collector_exemplars_dropped_total{over_limit}': 2,
    });
  });
});
