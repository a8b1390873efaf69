import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { VantageError } from '../../core/index.js';
import type { PointColumns } from '../../core/index.js';
import { ApiKeyVerifier, registerErrorHandling } from '../../http/index.js';
import {
  encodeRequestV2,
  encodeWriteRequestV1,
  RW2_CONTENT_TYPE,
  snappy,
} from '../../../test/support/remote-write-encoder.js';
import type { PromSeries } from '../../../test/support/remote-write-encoder.js';
import { IngestGuard } from '../ingest-guard.js';
import type { PointIngest, PointIngestResult } from '../point-ingest.js';
import { remoteWriteRoutes } from './remote-write-routes.js';

const T = 1_700_000_000_000;

/** PointIngest that accepts every point, or answers what the test says. */
class RecordingIngest implements PointIngest {
  readonly submitted: PointColumns[] = [];
  answer: ((c: PointColumns) => PointIngestResult) | Error | undefined;

  async submit(columns: PointColumns): Promise<PointIngestResult> {
    this.submitted.push(columns);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer?.(columns) ?? { accepted: columns.totalPoints, rejected: 0, rejections: [] };
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

async function server(
  ingest: PointIngest,
  opts: { keys?: string[]; maxBodyBytes?: number; ratePerMinute?: number } = {},
): Promise<FastifyInstance> {
  app = Fastify();
  registerErrorHandling(app, () => undefined);
  const guard = new IngestGuard({
    apiKeys: new ApiKeyVerifier(opts.keys ?? []),
    rateLimitPerMinute: opts.ratePerMinute ?? 1000,
    clock: () => T,
  });
  await app.register(remoteWriteRoutes, {
    ingest,
    guard,
    maxBodyBytes: opts.maxBodyBytes ?? 1 << 20,
    clock: () => T,
  });
  return app;
}

const SERIES: PromSeries[] = [
  {
    labels: [
      ['__name__', 'http_requests_total'],
      ['job', 'api'],
    ],
    type: 1,
    samples: [
      { value: 1, timestamp: T },
      { value: 2, timestamp: T + 1 },
    ],
    exemplars: [{ labels: { trace_id: 'ab' }, value: 1, timestamp: T }],
  },
  {
    labels: [['__name__', 'rpc_seconds']],
    type: 3,
    histograms: [{ count: 1, sum: 1, schema: 0, positiveSpans: [[0, 1]], positiveDeltas: [1], timestamp: T }],
  },
];

function post(a: FastifyInstance, body: Uint8Array, headers: Record<string, string> = {}) {
  return a.inject({
    method: 'POST',
    url: '/api/v1/write',
    payload: Buffer.from(body),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', ...headers },
  });
}

describe('POST /api/v1/write', () => {
  it('answers 204 to a 1.0 request once PointIngest took it, and hands it the decoded points', async () => {
    const ingest = new RecordingIngest();
    const res = await post(await server(ingest), snappy(encodeWriteRequestV1(SERIES)));
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-prometheus-remote-write-samples-written']).toBeUndefined();
    expect(ingest.submitted[0]?.pointCount).toBe(2);
    expect(ingest.submitted[0]?.histograms).toHaveLength(1);
  });

  it('chooses 2.0 by Content-Type and says how much was written in the spec headers', async () => {
    const ingest = new RecordingIngest();
    const res = await post(await server(ingest), snappy(encodeRequestV2(SERIES)), {
      'content-type': RW2_CONTENT_TYPE,
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-prometheus-remote-write-samples-written']).toBe('2');
    expect(res.headers['x-prometheus-remote-write-histograms-written']).toBe('1');
    expect(res.headers['x-prometheus-remote-write-exemplars-written']).toBe('1');
    expect(ingest.submitted[0]?.series[0]?.kind).toBe('cumulative');
  });

  it('answers a partial write 400 with what was written, and a write with nothing written with the first code', async () => {
    const ingest = new RecordingIngest();
    const a = await server(ingest);
    const tooOld = {
      code: 'VTG_INGEST_TIMESTAMP_TOO_OLD' as const,
      field: 'timeseries[0]',
      message: 'too old',
    };
    ingest.answer = () => ({ accepted: 2, rejected: 1, rejections: [tooOld] });
    const partial = await post(a, snappy(encodeRequestV2(SERIES)), { 'content-type': RW2_CONTENT_TYPE });
    expect(partial.statusCode).toBe(400);
    expect(partial.json()).toMatchObject({
      error: { code: 'VTG_REMOTE_WRITE_PARTIAL_WRITE', field: 'timeseries[0]' },
      rejected: [tooOld],
    });
    expect(partial.json().error.message).toMatch(/^1 of 3 samples were refused and 2 written/);
    expect(partial.headers['x-prometheus-remote-write-samples-written']).toBe('2');
    expect(partial.headers['x-prometheus-remote-write-histograms-written']).toBe('0');

    ingest.answer = () => ({ accepted: 0, rejected: 3, rejections: [tooOld] });
    const none = await post(a, snappy(encodeWriteRequestV1(SERIES)));
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toEqual({
      code: 'VTG_INGEST_TIMESTAMP_TOO_OLD',
      field: 'timeseries[0]',
      message: 'too old',
    });
  });

  it('passes on what a retry can fix: 503 with Retry-After when the pipeline is full', async () => {
    const ingest = new RecordingIngest();
    ingest.answer = new VantageError('VTG_INGEST_OVERLOADED', {
      params: { pending: 10, retryAfter: 2 },
      retryAfter: 2,
    });
    const res = await post(await server(ingest), snappy(encodeWriteRequestV1(SERIES)));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json().error.code).toBe('VTG_INGEST_OVERLOADED');
  });

  it('answers 415 for a type or encoding not spoken here, before reading the body', async () => {
    const ingest = new RecordingIngest();
    const a = await server(ingest);
    const body = snappy(encodeWriteRequestV1(SERIES));
    for (const type of ['application/json', 'application/x-protobuf;proto=io.prometheus.write.v3.Request']) {
      const res = await post(a, body, { 'content-type': type });
      expect(res.statusCode, type).toBe(415);
      expect(res.json().error).toMatchObject({
        code: 'VTG_REMOTE_WRITE_UNSUPPORTED_MEDIA_TYPE',
        field: 'content-type',
      });
    }
    const gzip = await post(a, body, { 'content-encoding': 'gzip' });
    expect(gzip.statusCode).toBe(415);
    expect(gzip.json().error.code).toBe('VTG_REMOTE_WRITE_UNSUPPORTED_ENCODING');
    expect(ingest.submitted).toHaveLength(0);
  });

  it('answers 400 to what can never be read: bad snappy, bytes that are not the message', async () => {
    const a = await server(new RecordingIngest());
    const notSnappy = await post(a, Buffer.from([0x10, 0xff, 0xff, 0xff]));
    expect(notSnappy.statusCode).toBe(400);
    expect(notSnappy.json().error).toMatchObject({ code: 'VTG_REMOTE_WRITE_UNDECODABLE', field: 'body' });
    const notProtobuf = await post(a, snappy(Buffer.from('{"metrics": []}')));
    expect(notProtobuf.statusCode).toBe(400);
    expect(notProtobuf.json().error.message).toMatch(/not a prometheus\.WriteRequest: .* at byte \d+/);
    // Still serving.
    expect((await post(a, snappy(encodeWriteRequestV1(SERIES)))).statusCode).toBe(204);
  });

  it('refuses a body whose snappy preamble announces more than --max-body-bytes, without inflating it', async () => {
    const a = await server(new RecordingIngest(), { maxBodyBytes: 1000 });
    // A preamble of 2^30 bytes followed by nothing: decompressing would fail, so a 413 proves the check came first.
    const res = await post(a, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04]));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('VTG_INGEST_PAYLOAD_TOO_LARGE');
  });

  it('takes the bearer token as an API key and applies the rate limit', async () => {
    const a = await server(new RecordingIngest(), { keys: ['s3cret'], ratePerMinute: 1 });
    const body = snappy(encodeWriteRequestV1(SERIES));
    expect((await post(a, body)).statusCode).toBe(401);
    expect((await post(a, body, { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await post(a, body, { authorization: 'Bearer s3cret' })).statusCode).toBe(204);
    const limited = await post(a, body, { authorization: 'Bearer s3cret' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('answers 204 without submitting a request that carries only metadata', async () => {
    const ingest = new RecordingIngest();
    const res = await post(
      await server(ingest),
      snappy(encodeWriteRequestV1([], [{ type: 1, family: 'x_total' }])),
    );
    expect(res.statusCode).toBe(204);
    expect(ingest.submitted).toHaveLength(0);
  });
});
