import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { Metadata } from '@grpc/grpc-js';
import { decodeSpanBatch, ProtobufReader, ProtobufWriter } from '../../core/index.js';
import type { Span } from '../../core/index.js';
import { expectedSpan, sdkTracer, traceExporter } from '../../../test/support/otlp-trace-sdk.js';
import type { OtlpFormat } from '../../../test/support/otlp-sdk.js';
import { TRACES_EXPORT, rawGrpcCall, startOtlpReceivers } from '../../../test/support/otlp-receivers.js';
import type { TestOtlpReceivers } from '../../../test/support/otlp-receivers.js';

const KEY = 'k'.repeat(40);
let receivers: TestOtlpReceivers;

beforeAll(async () => {
  receivers = await startOtlpReceivers({ apiKeys: [KEY] });
});
afterAll(async () => receivers.close());
afterEach(() => {
  receivers.spanBus.published.length = 0;
  receivers.ingest.submitted.length = 0;
});

const published = (): Span[] => receivers.spanBus.published.flatMap((p) => decodeSpanBatch(p));

describe('OTLP traces from the OpenTelemetry JS SDK', () => {
  it.each([
    ['protobuf', false],
    ['protobuf', true],
    ['json', false],
    ['json', true],
    ['grpc', false],
    ['grpc', true],
  ] as [OtlpFormat, boolean][])('keeps every span sent in %s (gzip %s) exactly', async (format, gzip) => {
    const base = format === 'grpc' ? `http://${receivers.grpcAddress}` : receivers.httpUrl;
    const sdk = sdkTracer(
      { 'service.name': 'checkout', 'deployment.environment': 'test' },
      traceExporter(format, base, { headers: { authorization: `Bearer ${KEY}` }, gzip }),
    );
    const root = sdk.tracer.startSpan('POST /orders', {
      kind: SpanKind.SERVER,
      attributes: { 'http.method': 'POST', 'http.status_code': 500, retried: true, ratio: 0.5 },
    });
    const ctx = trace.setSpan(context.active(), root);
    const child = sdk.tracer.startSpan(
      'SELECT orders',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', tags: ['a', 'b'] } },
      ctx,
    );
    child.addEvent('retry', { attempt: 2 });
    child.addLink({ context: root.spanContext(), attributes: { why: 'follows' } });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
    child.end();
    root.end();
    await sdk.flush();
    await sdk.shutdown();

    const spans = published();
    expect(spans).toHaveLength(2);
    for (const sent of sdk.sent) {
      const got = spans.find((s) => s.spanId === sent.spanContext().spanId);
      expect(got).toMatchObject({ ...expectedSpan(sent), service: 'checkout' });
    }
    const byName = new Map(spans.map((s) => [s.name, s]));
    const c = byName.get('SELECT orders') as Span;
    const r = byName.get('POST /orders') as Span;
    expect(c.parentSpanId).toBe(r.spanId);
    expect(r.parentSpanId).toBe('');
    // Span attributes first, then the resource's; service.name is the span's service, not an attribute.
    expect(r.attributes).toMatchObject({
      'http.method': 'POST',
      'http.status_code': 500,
      retried: true,
      ratio: 0.5,
      'deployment.environment': 'test',
    });
    expect(r.attributes['service.name']).toBeUndefined();
    expect(c.attributes.tags).toBe('["a","b"]');
    expect(c.events).toEqual([
      { timeUnixNano: expect.stringMatching(/^\d{19}$/), name: 'retry', attributes: { attempt: 2 } },
    ]);
    expect(c.links).toEqual([{ traceId: r.traceId, spanId: r.spanId, attributes: { why: 'follows' } }]);
    expect([c.status, c.statusMessage]).toEqual(['error', 'deadlock']);
  });

  it('refuses a request without the key, and publishes nothing', async () => {
    const sdk = sdkTracer({ 'service.name': 'nokey' }, traceExporter('protobuf', receivers.httpUrl));
    sdk.tracer.startSpan('x').end();
    await expect(sdk.flush()).rejects.toThrow();
    await sdk.shutdown();
    expect(receivers.spanBus.published).toHaveLength(0);
  });
});

const now = (): bigint => BigInt(Date.now()) * 1_000_000n;
const TRACE = '0af7651916cd43dd8448eb211c80319c';

function jsonSpan(overrides: Record<string, unknown>): Record<string, unknown> {
  const start = now() - 5_000_000_000n;
  return {
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    name: 'GET /',
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 12_500_000n),
    ...overrides,
  };
}

async function postJson(spans: Record<string, unknown>[]) {
  return receivers.http.inject({
    method: 'POST',
    url: '/v1/traces',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    payload: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
          scopeSpans: [{ spans }],
        },
      ],
    }),
  });
}

describe('OTLP trace refusals', () => {
  it('refuses bad spans one by one with coded reasons in partial_success, and keeps the rest', async () => {
    const tooMany = Array.from({ length: 129 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }));
    const res = await postJson([
      jsonSpan({}),
      jsonSpan({ spanId: '0000000000000000' }),
      jsonSpan({ traceId: 'abcd' }),
      jsonSpan({ spanId: 'c7ad6b7169203331', endTimeUnixNano: '1' }),
      jsonSpan({ spanId: 'd7ad6b7169203331', attributes: tooMany }),
      jsonSpan({ spanId: 'e7ad6b7169203331', name: 'n'.repeat(513) }),
      jsonSpan({ spanId: 'f7ad6b7169203331', startTimeUnixNano: '1000', endTimeUnixNano: '2000' }),
      jsonSpan({
        spanId: 'a7ad6b7169203331',
        attributes: [{ key: 'big', value: { stringValue: 'v'.repeat(4097) } }],
      }),
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('7');
    const message = body.partialSuccess.errorMessage;
    expect(message).toMatch(/^7 spans rejected: /);
    for (const expected of [
      'VTG_TRACE_SPAN_INVALID_ID at resourceSpans[0].scopeSpans[0].spans[1].spanId',
      'VTG_TRACE_SPAN_INVALID_ID at resourceSpans[0].scopeSpans[0].spans[2].traceId',
      'VTG_TRACE_END_BEFORE_START at resourceSpans[0].scopeSpans[0].spans[3].endTimeUnixNano',
      'VTG_TRACE_TOO_MANY at resourceSpans[0].scopeSpans[0].spans[4].attributes',
    ])
      expect(message).toContain(expected);
    expect(published().map((s) => s.spanId)).toEqual(['b7ad6b7169203331']);
  });

  it('answers partial_success over gRPC in protobuf: rejected_spans and the message', async () => {
    const start = now() - 1_000_000_000n;
    const span = (w: ProtobufWriter, spanId: number[]): void => {
      w.bytesField(1, Buffer.from(TRACE, 'hex'))
        .bytesField(2, spanId)
        .stringField(5, 'work')
        .fixed64Field(7, start)
        .fixed64Field(8, start + 1_000n);
    };
    const body = new ProtobufWriter()
      .messageField(1, (rs) =>
        rs.messageField(2, (ss) =>
          ss
            .messageField(2, (w) => span(w, [1, 2, 3, 4, 5, 6, 7, 8]))
            .messageField(2, (w) => span(w, [0, 0, 0])),
        ),
      )
      .finish();
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${KEY}`);
    const res = await rawGrpcCall(receivers.grpcAddress, TRACES_EXPORT, body, metadata);
    expect(res.error).toBeNull();
    // ExportTraceServiceResponse { partial_success = 1 { rejected_spans = 1, error_message = 2 } }.
    const partial = new ProtobufReader(res.response as Buffer);
    partial.tag();
    const p = partial.message();
    p.tag();
    const rejected = p.int64();
    p.tag();
    expect([rejected, p.string()]).toEqual([
      1,
      expect.stringContaining('VTG_TRACE_SPAN_INVALID_ID at resourceSpans[0].scopeSpans[0].spans[1].spanId'),
    ]);
    const [kept] = published();
    expect(kept).toMatchObject({
      spanId: '0102030405060708',
      service: 'unknown_service',
      startUnixNano: start.toString(),
      endUnixNano: (start + 1_000n).toString(),
      kind: 'unspecified',
      status: 'unset',
    });
  });

  it('keeps an attribute named __proto__ as an attribute like any other', async () => {
    const res = await postJson([
      jsonSpan({
        attributes: [
          { key: '__proto__', value: { stringValue: 'x' } },
          { key: 'a', value: { intValue: '7' } },
        ],
      }),
    ]);
    expect(res.statusCode).toBe(200);
    const [span] = published();
    expect(Object.entries(span?.attributes ?? {})).toEqual([
      ['__proto__', 'x'],
      ['a', 7],
    ]);
  });

  it('answers a body that is not an ExportTraceServiceRequest 400 with the field at fault', async () => {
    const res = await postJson([jsonSpan({ traceId: 42 })]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'VTG_OTLP_MALFORMED_REQUEST',
      field: 'resourceSpans[0].scopeSpans[0].spans[0].traceId',
    });
  });

  it('counts each accepted span in span_calls_total and span_duration_ms, with an exemplar', async () => {
    await postJson([
      jsonSpan({}),
      jsonSpan({ spanId: 'c7ad6b7169203331', endTimeUnixNano: undefined }),
      jsonSpan({ spanId: 'd7ad6b7169203331', status: { code: 2 } }),
    ]);
    const columns = receivers.ingest.submitted.at(-1);
    expect(columns?.series.map((s) => `${s.service} ${s.name} ${s.kind} ${s.labels.join(',')}`)).toEqual([
      'api span_calls_total delta operation,GET /,span_kind,server,status_code,unset',
      'api span_duration_ms gauge operation,GET /,span_kind,server,status_code,unset',
      'api span_calls_total delta operation,GET /,span_kind,server,status_code,error',
      'api span_duration_ms gauge operation,GET /,span_kind,server,status_code,error',
    ]);
    expect(columns?.pointCount).toBe(4);
    expect(columns?.valueAt(1)).toBe(12.5);
    expect(columns?.exemplars.map((e) => [e.series, e.value, e.spanId])).toEqual([
      [0, 1, 'b7ad6b7169203331'],
      [1, 12.5, 'b7ad6b7169203331'],
      [2, 1, 'd7ad6b7169203331'],
      [3, 12.5, 'd7ad6b7169203331'],
    ]);
  });
});
