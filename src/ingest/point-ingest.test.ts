import { describe, expect, it } from 'vitest';
import { decodeAggregateBatch, PointColumns } from '../core/index.js';
import { pointPipeline } from '../../test/support/recording-producer.js';

const NOW = Date.UTC(2026, 11, 7, 10, 0, 30);

const pipeline = pointPipeline;

describe('PipelinePointIngest', () => {
  it('stores gauges, deltas, cumulative totals and histograms, and refuses bad points with the JSON codes', async () => {
    const { producer, ingest } = pipeline();
    const c = new PointColumns();
    const gauge = c.addSeries('api', 'queue_depth', 'gauge', ['host', 'a'], 'series[0]');
    const delta = c.addSeries('api', 'requests', 'delta', [], 'series[1]');
    const total = c.addSeries('api', 'bytes_total', 'cumulative', ['host', 'a'], 'series[2]');
    const hist = c.addSeries('api', 'latency', 'histogram-delta', [], 'series[3]');
    const badName = c.addSeries('api', '1bad', 'gauge', [], 'series[4]');
    const tooManyTags = c.addSeries(
      'api',
      'x',
      'gauge',
      ['a', '1', 'b', '2', 'c', '3', 'd', '4'],
      'series[5]',
    );
    c.addPoint(gauge, NOW - 1000, 3);
    c.addPoint(gauge, NOW - 500, 5);
    c.addPoint(gauge, NOW - 7_200_000, 1); // too old
    c.addPoint(gauge, NOW, Number.NaN);
    c.addPoint(delta, NOW, 4);
    c.addPoint(total, NOW - 2000, 100, NOW - 30_000);
    c.addPoint(total, NOW - 1000, 130, NOW - 30_000);
    c.addHistogram(hist, NOW, {
      layout: 'explicit',
      bounds: [10, 20],
      counts: [0, 4, 0],
      count: 4,
      sum: 60,
      min: 12,
      max: 18,
    });
    c.addPoint(badName, NOW, 1);
    c.addPoint(tooManyTags, NOW, 1);
    c.reject('VTG_INGEST_INVALID_SAMPLE', 'series[6]', 'unreadable point');

    const result = await ingest.submit(c, NOW);
    expect(result.accepted).toBe(6);
    expect(result.rejected).toBe(5);
    expect(result.rejections.map((r) => r.code).sort()).toEqual([
      'VTG_INGEST_INVALID_SAMPLE',
      'VTG_INGEST_INVALID_SAMPLE',
      'VTG_INGEST_NON_FINITE_VALUE',
      'VTG_INGEST_TIMESTAMP_TOO_OLD',
      'VTG_INGEST_TOO_MANY_TAGS',
    ]);
    expect(result.rejections.find((r) => r.code === 'VTG_INGEST_TOO_MANY_TAGS')?.field).toBe(
      'series[5].tags',
    );

    const batch = decodeAggregateBatch(producer.published[0] as Buffer);
    expect(batch.samples).toBe(6);
    const byName = new Map(batch.aggregates.map((a) => [a.name, a]));
    expect(byName.get('queue_depth')).toMatchObject({
      type: 'gauge',
      count: 2,
      sum: 8,
      last: 5,
      tags: '{"host":"a"}',
    });
    expect(byName.get('requests')).toMatchObject({ type: 'counter', count: 1, sum: 4 });
    expect(byName.get('latency')).toMatchObject({ type: 'gauge', count: 4, sum: 60, min: 12, max: 18 });
    expect(byName.get('latency')?.sketch?.quantile(0.5)).toBeGreaterThan(10);
    expect(batch.cumulatives).toHaveLength(1);
    expect(batch.cumulatives?.[0]).toMatchObject({ name: 'bytes_total', points: 2, increase: { total: 30 } });
  });

  it('refuses the new series past a series limit, and publishes nothing when no point is left', async () => {
    const { producer, ingest } = pipeline(1);
    const c = new PointColumns();
    c.addPoint(c.addSeries('api', 'm', 'gauge', ['k', '1'], 'a'), NOW, 1);
    c.addPoint(c.addSeries('api', 'm', 'gauge', ['k', '2'], 'b'), NOW, 1);
    const first = await ingest.submit(c, NOW);
    expect(first).toMatchObject({ accepted: 1, rejected: 1 });
    expect(first.rejections[0]).toMatchObject({ code: 'VTG_INGEST_SERIES_LIMIT', field: 'b' });

    const none = new PointColumns();
    none.addPoint(none.addSeries('api', 'm', 'gauge', ['k', '3'], 'c'), NOW, 1);
    expect(await ingest.submit(none, NOW)).toMatchObject({ accepted: 0, rejected: 1 });
    expect(producer.published).toHaveLength(1);
  });

  it('on a partitioned bus, publishes each cumulative series under its shard key, the same every flush', async () => {
    const { producer, ingest } = pipeline(100, true);
    for (const at of [NOW - 2000, NOW - 1000]) {
      const c = new PointColumns();
      c.addPoint(c.addSeries('api', 'g', 'gauge', [], 'a'), at, 1);
      for (let i = 0; i < 20; i++)
        c.addPoint(c.addSeries('api', 'c_total', 'cumulative', ['i', String(i)], 'b'), at, i);
      await ingest.submit(c, NOW);
    }
    const keyOf = new Map<string, string | undefined>();
    let plain = 0;
    producer.published.forEach((payload, i) => {
      const batch = decodeAggregateBatch(payload);
      if (batch.aggregates.length > 0) {
        plain++;
        expect(batch.cumulatives).toEqual([]);
        expect(producer.keys[i]).toBeUndefined();
      }
      for (const c of batch.cumulatives ?? []) {
        const key = producer.keys[i];
        expect(key).toMatch(/^cumulative-\d+$/);
        if (keyOf.has(c.tags)) expect(keyOf.get(c.tags)).toBe(key);
        keyOf.set(c.tags, key);
      }
    });
    expect(plain).toBe(2);
    expect(keyOf.size).toBe(20);
    expect(new Set(keyOf.values()).size).toBeGreaterThan(1);
  });

  it('keeps whole milliseconds of a timestamp sent in finer units (OTLP nanoseconds)', async () => {
    const { producer, ingest } = pipeline();
    const c = new PointColumns();
    c.addPoint(c.addSeries('api', 'g', 'gauge', [], 'a'), NOW - 1000.75, 1);
    await ingest.submit(c, NOW);
    const [agg] = decodeAggregateBatch(producer.published[0] as Buffer).aggregates;
    expect(agg?.lastTimestamp).toBe(NOW - 1001);
  });

  it('checks a reused label array once, and again when the series it stands for changes', async () => {
    const { producer, ingest } = pipeline();
    const labels = ['host', 'a'];
    const send = async (service: string) => {
      const c = new PointColumns();
      c.addPoint(c.addSeries(service, 'g', 'gauge', labels, 'a', true), NOW, 1);
      return ingest.submit(c, NOW);
    };
    expect(await send('api')).toMatchObject({ accepted: 1 });
    expect(await send('api')).toMatchObject({ accepted: 1 });
    // The same array under a service our names refuse: checked again, refused.
    expect(await send('bad service')).toMatchObject({ accepted: 0, rejected: 1 });
    const tags = producer.published.map((p) => decodeAggregateBatch(p).aggregates[0]?.tags);
    expect(tags).toEqual(['{"host":"a"}', '{"host":"a"}']);
  });
});
