import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Metadata, status } from '@grpc/grpc-js';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ProtobufReader, ProtobufWriter, VantageError } from '../../core/index.js';
import { exportWith, sdkMeter } from '../../../test/support/otlp-sdk.js';
import type { OtlpFormat } from '../../../test/support/otlp-sdk.js';
import {
  METRICS_EXPORT,
  TRACES_EXPORT,
  rawGrpcCall,
  startOtlpReceivers,
} from '../../../test/support/otlp-receivers.js';
import type { TestOtlpReceivers } from '../../../test/support/otlp-receivers.js';

const KEY = 'k'.repeat(40);

/** google.rpc.Status: code, message, and the type_url of each detail with its bytes. */
function readStatus(bytes: Uint8Array): {
  code: number;
  message: string;
  details: Record<string, Uint8Array>;
} {
  const r = new ProtobufReader(bytes);
  const out = { code: 0, message: '', details: {} as Record<string, Uint8Array> };
  while (!r.done) {
    const tag = r.tag();
    if (tag >>> 3 === 1) out.code = r.uint32();
    else if (tag >>> 3 === 2) out.message = r.string();
    else if (tag >>> 3 === 3) {
      const any = r.message();
      let type = '';
      let value: Uint8Array = new Uint8Array();
      while (!any.done) {
        const t = any.tag();
        if (t >>> 3 === 1) type = any.string();
        else value = any.bytes();
      }
      out.details[type] = value;
    } else r.skip(tag & 7);
  }
  return out;
}

/** RetryInfo { retry_delay { seconds } }. */
function retrySeconds(info: Uint8Array | undefined): number | undefined {
  if (info === undefined) return undefined;
  const delay = new ProtobufReader(info);
  delay.tag();
  const d = delay.message();
  d.tag();
  return d.int64();
}

describe('the OTLP receivers, with the OpenTelemetry JS exporters', () => {
  const sdk = sdkMeter({ 'service.name': 'shop' });
  let metrics: ResourceMetrics;
  let receivers: TestOtlpReceivers;

  beforeAll(async () => {
    sdk.meter.createCounter('orders').add(5, { region: 'eu' });
    sdk.meter.createHistogram('basket.value').record(42);
    metrics = await sdk.collect();
    receivers = await startOtlpReceivers({ apiKeys: [KEY] });
  });
  afterAll(async () => {
    await receivers.close();
    await sdk.shutdown();
  });
  afterEach(() => {
    receivers.ingest.submitted.length = 0;
    receivers.ingest.answer = (c) => ({ accepted: c.totalPoints, rejected: 0, rejections: [] });
  });

  const urlOf = (format: OtlpFormat): string =>
    format === 'grpc' ? `http://${receivers.grpcAddress}` : `${receivers.httpUrl}/v1/metrics`;

  it.each([
    ['protobuf', false],
    ['protobuf', true],
    ['json', false],
    ['json', true],
    ['grpc', false],
    ['grpc', true],
  ] as const)(
    'takes %s (gzip %s) with the key as a Bearer token, and hands the points on',
    async (format, gzip) => {
      const result = await exportWith(format, urlOf(format), metrics, {
        gzip,
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(0);
      const [columns] = receivers.ingest.submitted;
      expect(columns?.series.map((s) => [s.service, s.name, s.kind, s.labels])).toEqual([
        ['shop', 'orders', 'cumulative', ['region', 'eu']],
        ['shop', 'basket.value', 'histogram-cumulative', []],
      ]);
      expect(columns?.valueAt(0)).toBe(5);
    },
  );

  it.each(['protobuf', 'json', 'grpc'] as const)(
    'refuses %s without the key, and the exporter fails',
    async (format) => {
      const result = await exportWith(format, urlOf(format), metrics);
      expect(result.code).toBe(1);
      expect(receivers.ingest.submitted).toHaveLength(0);
    },
  );
});

describe('OTLP/HTTP answers', () => {
  let receivers: TestOtlpReceivers;
  beforeAll(async () => {
    receivers = await startOtlpReceivers({ rateLimitPerMinute: 1_000 });
  });
  afterAll(() => receivers.close());
  afterEach(() => {
    receivers.ingest.answer = (c) => ({ accepted: c.totalPoints, rejected: 0, rejections: [] });
  });

  const post = (
    body: Uint8Array | string,
    type: string,
    headers: Record<string, string> = {},
    path = '/v1/metrics',
  ) =>
    receivers.http.inject({
      method: 'POST',
      url: path,
      payload: Buffer.from(body),
      headers: { 'content-type': type, ...headers },
    });
  const partial = {
    accepted: 1,
    rejected: 2,
    rejections: [
      {
        code: 'VTG_INGEST_TIMESTAMP_TOO_OLD' as const,
        field: 'resourceMetrics[0].scopeMetrics[0].metrics[0]',
        message: 'too old',
      },
    ],
  };

  it('answers an empty request 200 with an empty ExportMetricsServiceResponse', async () => {
    const res = await post(new Uint8Array(), 'application/x-protobuf');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.rawPayload).toHaveLength(0);
  });

  it('reports refused points as partial_success, in protobuf and in JSON', async () => {
    receivers.ingest.answer = () => partial;
    const pb = await post(new Uint8Array(), 'application/x-protobuf');
    expect(pb.statusCode).toBe(200);
    const r = new ProtobufReader(pb.rawPayload);
    expect(r.tag()).toBe((1 << 3) | 2);
    const ps = r.message();
    expect(ps.tag()).toBe(1 << 3);
    expect(ps.int64()).toBe(2);
    expect(ps.tag()).toBe((2 << 3) | 2);
    expect(ps.string()).toBe(
      '2 data points rejected: VTG_INGEST_TIMESTAMP_TOO_OLD at resourceMetrics[0].scopeMetrics[0].metrics[0]: too old',
    );
    const json = await post('{}', 'application/json');
    expect(json.json()).toEqual({
      partialSuccess: {
        rejectedDataPoints: '2',
        errorMessage: expect.stringContaining('VTG_INGEST_TIMESTAMP_TOO_OLD'),
      },
    });
  });

  it('answers an undecodable protobuf body 400 with a google.rpc.Status naming our code', async () => {
    const res = await post(Uint8Array.from([0x0a, 0x05, 0x01]), 'application/x-protobuf');
    expect(res.statusCode).toBe(400);
    const s = readStatus(res.rawPayload);
    expect(s.code).toBe(status.INVALID_ARGUMENT);
    expect(s.message).toMatch(/^VTG_OTLP_MALFORMED_REQUEST: .*truncated field at byte 2/);
    expect(Buffer.from(s.details['type.googleapis.com/google.rpc.ErrorInfo'] ?? []).toString()).toContain(
      'VTG_OTLP_MALFORMED_REQUEST',
    );
  });

  it.each([
    ['JSON that does not parse', '{"resourceMetrics": [', undefined],
    [
      'JSON of the wrong shape',
      '{"resourceMetrics": [{"scopeMetrics": 3}]}',
      'resourceMetrics[0].scopeMetrics',
    ],
  ])('answers %s 400 with Status and our error body', async (_what, body, field) => {
    const res = await post(body, 'application/json');
    expect(res.statusCode).toBe(400);
    const json = res.json();
    expect(json).toMatchObject({
      code: status.INVALID_ARGUMENT,
      error: { code: 'VTG_OTLP_MALFORMED_REQUEST' },
    });
    expect(json.error.field).toBe(field);
  });

  it('reads gzip, and answers bad gzip 400', async () => {
    const ok = await post(gzipSync('{}'), 'application/json', { 'content-encoding': 'gzip' });
    expect(ok.statusCode).toBe(200);
    const bad = await post('not gzip', 'application/json', { 'content-encoding': 'gzip' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VTG_OTLP_MALFORMED_REQUEST');
  });

  it('answers another content type 415, coded, on metrics and traces alike', async () => {
    for (const path of ['/v1/metrics', '/v1/traces']) {
      const text = await post('x', 'text/plain', {}, path);
      expect([text.statusCode, text.json().error.code]).toEqual([415, 'VTG_OTLP_UNSUPPORTED_MEDIA_TYPE']);
    }
  });

  it('answers an overloaded pipeline 503 with Retry-After and RetryInfo', async () => {
    receivers.ingest.failWith(
      new VantageError('VTG_INGEST_OVERLOADED', { params: { pending: 9, retryAfter: 3 }, retryAfter: 3 }),
    );
    const res = await post(new Uint8Array(), 'application/x-protobuf');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    const s = readStatus(res.rawPayload);
    expect(s.code).toBe(status.UNAVAILABLE);
    expect(retrySeconds(s.details['type.googleapis.com/google.rpc.RetryInfo'])).toBe(3);
  });
});

describe('OTLP/HTTP rate limits', () => {
  it('answers 429 with Retry-After once a client is over its rate', async () => {
    const receivers = await startOtlpReceivers({ rateLimitPerMinute: 1 });
    try {
      const send = () =>
        receivers.http.inject({
          method: 'POST',
          url: '/v1/metrics',
          payload: '{}',
          headers: { 'content-type': 'application/json' },
        });
      expect((await send()).statusCode).toBe(200);
      const limited = await send();
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json()).toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
        error: { code: 'VTG_RATE_LIMITED' },
      });
    } finally {
      await receivers.close();
    }
  });
});

describe('OTLP/gRPC status codes', () => {
  let receivers: TestOtlpReceivers;
  beforeAll(async () => {
    receivers = await startOtlpReceivers({ apiKeys: [KEY], maxBodyBytes: 1024 });
  });
  afterAll(() => receivers.close());
  const withKey = (): Metadata => {
    const m = new Metadata();
    m.set('authorization', `Bearer ${KEY}`);
    return m;
  };

  it('answers UNAUTHENTICATED without a key, INVALID_ARGUMENT for bytes that do not decode', async () => {
    const noKey = await rawGrpcCall(receivers.grpcAddress, METRICS_EXPORT, new Uint8Array());
    expect(noKey.error?.code).toBe(status.UNAUTHENTICATED);
    expect(noKey.error?.details).toMatch(/^VTG_AUTH_MISSING_KEY/);
    const bad = await rawGrpcCall(
      receivers.grpcAddress,
      METRICS_EXPORT,
      Uint8Array.from([0x0a, 0x05]),
      withKey(),
    );
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/^VTG_OTLP_MALFORMED_REQUEST/);
  });

  it('answers UNAVAILABLE with RetryInfo when the pipeline is overloaded', async () => {
    receivers.ingest.failWith(
      new VantageError('VTG_INGEST_OVERLOADED', { params: { pending: 9, retryAfter: 2 }, retryAfter: 2 }),
    );
    const answer = await rawGrpcCall(receivers.grpcAddress, METRICS_EXPORT, new Uint8Array(), withKey());
    expect(answer.error?.code).toBe(status.UNAVAILABLE);
    const details = answer.error?.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(retrySeconds(readStatus(details).details['type.googleapis.com/google.rpc.RetryInfo'])).toBe(2);
  });

  it('answers RESOURCE_EXHAUSTED past the message limit, for traces as for metrics', async () => {
    const big = new ProtobufWriter().bytesField(1, new Uint8Array(2048)).finish();
    const tooBig = await rawGrpcCall(receivers.grpcAddress, METRICS_EXPORT, big, withKey());
    expect(tooBig.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    // Gzipped to a few bytes: the limit holds after decompression.
    const bomb = await rawGrpcCall(receivers.grpcAddress, METRICS_EXPORT, big, withKey(), true);
    expect(bomb.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const traces = await rawGrpcCall(receivers.grpcAddress, TRACES_EXPORT, big, withKey());
    expect(traces.error?.code).toBe(status.RESOURCE_EXHAUSTED);
  });
});
