import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { KafkaConsumer } from '../src/bus/index.js';
import { decodeSpanBatch } from '../src/core/index.js';
import type { Span } from '../src/core/index.js';
import { DistributedRoles } from './support/distributed-roles.js';
import { deleteTopics, uniqueName } from './support/kafka.js';
import type { OtlpFormat } from './support/otlp-sdk.js';
import { sdkTracer, traceExporter } from './support/otlp-trace-sdk.js';

/**
 * `vantage collector` takes traces too: the JS SDK's exporters send to a distributed collector,
 * which creates the spans topic (--kafka-spans-topic) and publishes each trace's spans there in
 * messages of one trace each, keyed by trace id; the test reads the topic back with our consumer.
 */
const spansTopic = uniqueName('vantage-spans-test');
const roles = new DistributedRoles('traces', ['--kafka-spans-topic', spansTopic]);
let consumer: KafkaConsumer;
/** Every message read so far: its partition and spans. */
const read: { partition: number; spans: Span[] }[] = [];

beforeAll(async () => {
  await roles.start();
  consumer = await KafkaConsumer.connect({
    brokers: roles.brokers,
    topic: spansTopic,
    groupId: uniqueName('spans-reader'),
    clientId: 'traces-test',
  });
}, 120_000);

afterAll(async () => {
  await consumer?.close();
  const codes = await roles.stop();
  await deleteTopics(roles.brokers, [spansTopic]);
  expect(codes).toEqual(codes.map(() => 0));
}, 60_000);

async function spansOf(traceIds: readonly string[], count: number): Promise<typeof read> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const m of await consumer.poll(100, 500))
      read.push({ partition: m.partition, spans: decodeSpanBatch(m.payload) });
    const mine = read.filter((m) => m.spans.some((s) => traceIds.includes(s.traceId)));
    if (mine.reduce((n, m) => n + m.spans.length, 0) >= count) return mine;
    if (Date.now() > deadline) throw new Error(`only ${JSON.stringify(mine)} of ${count} spans arrived`);
  }
}

describe.each(['protobuf', 'grpc'] as OtlpFormat[])('vantage collector over OTLP %s', (format) => {
  it('publishes every span to the spans topic, one trace per message, a trace on one partition', async () => {
    const base = format === 'grpc' ? `http://${roles.collector.otlpGrpc}` : roles.collector.otlpHttp;
    const sdk = sdkTracer({ 'service.name': `dist-traces-${format}` }, traceExporter(format, base));
    const traceIds: string[] = [];
    for (let t = 0; t < 8; t++) {
      const root = sdk.tracer.startSpan(`root ${t}`);
      traceIds.push(root.spanContext().traceId);
      root.end();
    }
    await sdk.flush();
    // A second export of the same traces' later spans: still each trace's partition.
    for (const [t, traceId] of traceIds.entries()) {
      const parent = sdk.sent.find((s) => s.spanContext().traceId === traceId);
      if (parent === undefined) throw new Error('no root span sent');
      sdk.tracer
        .startSpan(`child ${t}`, {}, trace.setSpanContext(context.active(), parent.spanContext()))
        .end();
    }
    await sdk.flush();
    await sdk.shutdown();

    const messages = await spansOf(traceIds, 16);
    for (const m of messages) expect(new Set(m.spans.map((s) => s.traceId)).size).toBe(1);
    const partitionOf = new Map<string, Set<number>>();
    for (const m of messages) {
      const id = (m.spans[0] as Span).traceId;
      partitionOf.set(id, (partitionOf.get(id) ?? new Set()).add(m.partition));
    }
    expect([...partitionOf.keys()].sort()).toEqual([...traceIds].sort());
    for (const partitions of partitionOf.values()) expect(partitions.size).toBe(1);
    const spans = messages.flatMap((m) => m.spans);
    expect(spans.map((s) => s.spanId).sort()).toEqual(sdk.sent.map((s) => s.spanContext().spanId).sort());
  }, 60_000);
});
