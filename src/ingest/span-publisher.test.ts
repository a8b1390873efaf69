import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { decodeSpanBatch } from '../core/index.js';
import type { Span } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import { RecordingProducer } from '../../test/support/recording-producer.js';
import { createCollectorMetrics } from './collector-metrics.js';
import { SPANS_PER_MESSAGE, SpanPublisher } from './span-publisher.js';

function span(traceId: string, spanId: string): Span {
  return {
    traceId,
    spanId,
    parentSpanId: '',
    service: 's',
    name: 'op',
    kind: 'server',
    startUnixNano: '1700000000000000000',
    endUnixNano: '1700000000001000000',
    status: 'unset',
    statusMessage: '',
    attributes: {},
    events: [],
    links: [],
  };
}

const trace = (t: number): string => t.toString(16).padStart(32, '0');
const id = (i: number): string => (i + 1).toString(16).padStart(16, '0');
const publisher = (producer: BusProducer, maxPendingSpans = 100_000, timeoutMs = 1_000) =>
  new SpanPublisher(producer, { maxPendingSpans, timeoutMs }, createCollectorMetrics(new Registry()), 'test');

describe('SpanPublisher', () => {
  it('publishes the spans of requests that arrive together in one message, in order', async () => {
    const bus = new RecordingProducer();
    const p = publisher(bus);
    await Promise.all([
      p.submit([span(trace(1), id(0))]),
      p.submit([span(trace(2), id(1)), span(trace(2), id(2))]),
    ]);
    expect(bus.published).toHaveLength(1);
    expect(decodeSpanBatch(bus.published[0] as Buffer).map((s) => s.spanId)).toEqual([id(0), id(1), id(2)]);
    expect(p.pending).toBe(0);
  });

  it('splits a large flush into messages of at most SPANS_PER_MESSAGE spans', async () => {
    const bus = new RecordingProducer();
    const spans = Array.from({ length: SPANS_PER_MESSAGE + 10 }, (_, i) => span(trace(1), id(i)));
    await publisher(bus).submit(spans);
    expect(bus.published.map((m) => decodeSpanBatch(m).length)).toEqual([SPANS_PER_MESSAGE, 10]);
  });

  it('on a partitioned bus publishes one message per trace, keyed by its trace id', async () => {
    const bus = new RecordingProducer(true);
    await publisher(bus).submit([span(trace(1), id(0)), span(trace(2), id(1)), span(trace(1), id(2))]);
    expect(bus.keys).toEqual([trace(1), trace(2)]);
    expect(bus.published.map((m) => decodeSpanBatch(m).map((s) => s.spanId))).toEqual([
      [id(0), id(2)],
      [id(1)],
    ]);
  });

  it('refuses past the buffer with VTG_INGEST_OVERLOADED and Retry-After', async () => {
    const p = publisher(new RecordingProducer(), 2);
    await expect(
      p.submit([span(trace(1), id(0)), span(trace(1), id(1)), span(trace(1), id(2))]),
    ).rejects.toMatchObject({
      code: 'VTG_INGEST_OVERLOADED',
      statusCode: 503,
      retryAfter: 1,
    });
  });

  it('answers VTG_INGEST_BUS_UNAVAILABLE when the bus fails or does not answer in time', async () => {
    const failing: BusProducer = {
      publish: async () => Promise.reject(new Error('disk full')),
      close: async () => {},
    };
    await expect(publisher(failing).submit([span(trace(1), id(0))])).rejects.toMatchObject({
      code: 'VTG_INGEST_BUS_UNAVAILABLE',
      retryAfter: 1,
    });
    const silent: BusProducer = { publish: () => new Promise(() => undefined), close: async () => {} };
    const p = publisher(silent, 100, 50);
    await expect(p.submit([span(trace(1), id(0))])).rejects.toMatchObject({
      code: 'VTG_INGEST_BUS_UNAVAILABLE',
    });
    expect(p.pending).toBe(0);
  });

  it('publishes what is pending on close, then refuses', async () => {
    const bus = new RecordingProducer();
    const p = publisher(bus);
    const done = p.submit([span(trace(1), id(0))]);
    await p.close();
    await done;
    expect(bus.published).toHaveLength(1);
    await expect(p.submit([span(trace(1), id(1))])).rejects.toMatchObject({
      code: 'VTG_SERVICE_UNAVAILABLE',
    });
  });
});
