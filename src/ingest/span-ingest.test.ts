import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { VantageError } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import { RecordingProducer } from '../../test/support/recording-producer.js';
import { RecordingPointIngest } from '../../test/support/otlp-receivers.js';
import { createCollectorMetrics } from './collector-metrics.js';
import { decodeTracesJson } from './otlp/otlp-trace-json-decoder.js';
import { SpanIngest, createSpanIngestMetrics } from './span-ingest.js';
import { SpanPublisher } from './span-publisher.js';

function setup(bus: BusProducer) {
  const registry = new Registry();
  const errors = new Map<string, number>();
  const points = new RecordingPointIngest();
  const ingest = new SpanIngest({
    publisher: new SpanPublisher(
      bus,
      { maxPendingSpans: 100, timeoutMs: 1_000 },
      createCollectorMetrics(registry),
      't',
    ),
    points,
    metrics: createSpanIngestMetrics(registry),
    maxSampleAgeMs: 3_600_000,
    maxFutureSkewMs: 60_000,
    logger: pino({ level: 'silent' }),
    countError: (code, n) => errors.set(code, (errors.get(code) ?? 0) + n),
  });
  return { ingest, points, registry, errors };
}

const NOW = Date.now();
const body = (spans: number) => ({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: Array.from({ length: spans }, (_, i) => ({
            traceId: '0af7651916cd43dd8448eb211c80319c',
            spanId: (i + 1).toString(16).padStart(16, '0'),
            name: 'op',
            startTimeUnixNano: `${NOW - 1000}000000`,
            endTimeUnixNano: `${NOW}000000`,
          })),
        },
      ],
    },
  ],
});

describe('SpanIngest', () => {
  it('counts span metrics only once the spans are durable; a bus failure counts nothing', async () => {
    const failing: BusProducer = {
      publish: async () => Promise.reject(new Error('down')),
      close: async () => {},
    };
    const { ingest, points } = setup(failing);
    await expect(ingest.submit(decodeTracesJson(body(2), ingest.window(NOW)), NOW)).rejects.toMatchObject({
      code: 'VTG_INGEST_BUS_UNAVAILABLE',
    });
    expect(points.submitted).toHaveLength(0);
  });

  it('answers success when the spans are durable even if their metrics are refused, and counts it', async () => {
    const { ingest, points, registry } = setup(new RecordingProducer());
    points.failWith(new VantageError('VTG_INGEST_OVERLOADED', { params: { pending: 1, retryAfter: 1 } }));
    const result = await ingest.submit(decodeTracesJson(body(3), ingest.window(NOW)), NOW);
    expect(result).toMatchObject({ accepted: 3, rejected: 0 });
    const text = await registry.metrics();
    expect(text).toContain('vantage_collector_span_metric_failures_total{code="VTG_INGEST_OVERLOADED"} 1');
    expect(text).toContain('vantage_collector_spans_total{outcome="accepted"} 3');
  });

  it('refuses spans outside the metrics time window with their codes, counting every one', async () => {
    const { ingest, errors } = setup(new RecordingProducer());
    const result = await ingest.submit(decodeTracesJson(body(30), ingest.window(NOW + 7_200_000)), NOW);
    expect(result.rejected).toBe(30);
    // The answer quotes the first 20 reasons; the collector's error counter counts all 30.
    expect(result.rejections).toHaveLength(20);
    expect(result.rejections[0]?.code).toBe('VTG_INGEST_TIMESTAMP_TOO_OLD');
    expect(Object.fromEntries(errors)).toEqual({ VTG_INGEST_TIMESTAMP_TOO_OLD: 30 });
  });
});
