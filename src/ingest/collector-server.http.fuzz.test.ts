import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, aggregateProblem, decodeAggregateBatch } from '../core/index.js';
import type { AggregateBatch, ErrorCode } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import { ApiKeyVerifier } from '../http/index.js';
import { BatchPublisher } from './batch-publisher.js';
import { createCollectorMetrics } from './collector-metrics.js';
import { buildCollectorServer } from './collector-server.js';
import { SampleValidator } from './sample-validator.js';
import { ActiveSeriesTracker } from './active-series.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';

/**
 * Property-based fuzzing of the collector's HTTP surface through the real server: metrics whose
 * fields are random JSON, extreme numbers and strings, bodies that are not JSON or not gzip,
 * random headers and Content-Length lies. Whatever comes in, the answer is never a 5xx, every 4xx
 * carries a catalog code with its status, a 202 accounts for every metric sent (accepted or
 * rejected with a code), nothing published is an aggregate a store could not hold, and the
 * server still answers /health afterwards.
 */
const RUNS = Math.round(400 * Number(process.env.FUZZ_SCALE ?? '1'));
const NOW = Date.UTC(2026, 10, 27, 12, 0, 30);

class KeepingProducer implements BusProducer {
  readonly batches: AggregateBatch[] = [];
  async publish(payload: Buffer): Promise<void> {
    this.batches.push(decodeAggregateBatch(payload));
  }
  async close(): Promise<void> {}
}

const number = fc.oneof(
  fc.double(),
  fc.constantFrom(1e308, -1e308, 1e291, -1e291, 1e292, Number.MIN_VALUE, -0, 0, 2 ** 53, NOW, NOW / 1000),
  fc.integer(),
);
const anything = fc.oneof(
  number,
  fc.string({ maxLength: 20 }),
  fc.constantFrom(null, true, [], {}, 'NaN', 'Infinity', '2026-11-27T12:00:00Z', 'x'.repeat(300)),
);

const validMetric = fc.record({
  service: fc.constantFrom('checkout', 'search'),
  name: fc.constantFrom('latency_ms', 'requests'),
  value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  timestamp: fc.integer({ min: NOW - 3_600_000, max: NOW }),
  type: fc.constantFrom('gauge', 'counter', 'histogram'),
  tags: fc.dictionary(fc.constantFrom('region', 'host'), fc.string({ minLength: 1, maxLength: 8 }), {
    maxKeys: 2,
  }),
});

/** A metric that is valid, then has some of its fields replaced, dropped or added. */
const mutatedMetric = fc
  .tuple(
    fc.record({
      service: fc.oneof(fc.constant('checkout'), fc.string({ maxLength: 140 })),
      name: fc.oneof(fc.constant('latency_ms'), fc.string({ maxLength: 30 })),
      value: number,
      timestamp: fc.oneof(fc.constant(NOW - 1000), number, fc.string({ maxLength: 30 })),
      type: fc.constantFrom('gauge', 'counter', 'histogram', ''),
      tags: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 6 }),
        fc.dictionary(fc.string({ maxLength: 10 }), anything, { maxKeys: 3 }),
      ),
    }),
    fc.dictionary(
      fc.constantFrom('service', 'name', 'value', 'timestamp', 'type', 'tags', 'extra'),
      anything,
      {
        maxKeys: 2,
      },
    ),
    fc.subarray(['timestamp', 'type', 'tags', 'value', 'name']),
  )
  .map(([base, replaced, dropped]) => {
    const m: Record<string, unknown> = { ...base, ...replaced };
    for (const k of dropped) delete m[k];
    return m;
  });

/**
 * One metric in four is valid as it stands: random mutation alone makes a valid metric so rarely
 * that a run could publish nothing and leave the check on published aggregates with nothing to see.
 */
const metric = fc.oneof({ arbitrary: validMetric, weight: 1 }, { arbitrary: mutatedMetric, weight: 3 });

const body = fc.oneof(
  fc.array(metric, { maxLength: 20 }).map((metrics) => ({ json: { metrics } })),
  fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })),
  fc.string({ maxLength: 100 }).map((text) => ({ text })),
  fc.uint8Array({ maxLength: 100 }).map((bytes) => ({ bytes: Buffer.from(bytes) })),
);

const randomHeaders = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      '',
    ),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br', 'x-unknown'),
    authorization: fc.constantFrom('Bearer nope', ''),
    gzipBody: fc.boolean(),
    lie: fc.integer({ min: -5, max: 5 }),
  },
  { requiredKeys: ['gzipBody'] },
);
/** Half the requests are well formed on the outside, so that their metrics reach validation. */
const headers = fc.oneof(
  randomHeaders,
  fc.boolean().map((gzipBody) => ({
    'content-type': 'application/json',
    ...(gzipBody ? { 'content-encoding': 'gzip' } : {}),
    gzipBody,
  })),
);

let app: FastifyInstance;
let bus: KeepingProducer;

beforeAll(async () => {
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  bus = new KeepingProducer();
  const limits = { maxTags: 4, maxBatchSize: 100, maxSampleAgeMs: 86_400_000, maxFutureSkewMs: 600_000 };
  app = await buildCollectorServer({
    logger: pino({ level: 'silent' }),
    registry,
    metrics,
    validator: new SampleValidator(limits),
    activeSeries: new ActiveSeriesTracker({
      perMetric: 1_000,
      perService: 1_000,
      total: 1_000,
      windowMs: 3_600_000,
    }),
    limits,
    publisher: new BatchPublisher(bus, { maxPendingSamples: 100_000, timeoutMs: 1_000 }, metrics, 'test'),
    apiKeys: new ApiKeyVerifier([]),
    rateLimitPerMinute: 1_000_000,
    maxBodyBytes: 64 * 1024,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
    clock: () => NOW,
  });
});

afterAll(async () => {
  await app.close();
});

describe('the collector under random requests', () => {
  it('never answers 5xx, codes every 4xx, accounts for every metric, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        const { gzipBody, lie, ...sent } = h as typeof h & { lie?: number };
        let payload: Buffer =
          'json' in b ? Buffer.from(JSON.stringify(b.json)) : 'text' in b ? Buffer.from(b.text) : b.bytes;
        if (gzipBody) payload = gzipSync(payload);
        const requestHeaders: Record<string, string> = Object.fromEntries(
          Object.entries(sent).filter(([, v]) => v !== ''),
        );
        if (lie !== undefined) requestHeaders['content-length'] = String(Math.max(0, payload.length + lie));
        const res = await app.inject({
          method: 'POST',
          url: '/v1/metrics',
          headers: requestHeaders,
          payload,
        });
        const where = `${JSON.stringify(requestHeaders)} ${payload.toString('utf8', 0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, where).toBeLessThan(500);
        if (res.statusCode >= 400) {
          const code = (res.json() as { error?: { code?: string } }).error?.code as ErrorCode | undefined;
          expect(code, where).toBeDefined();
          expect(ERRORS[code as ErrorCode]?.status, where).toBe(res.statusCode);
        }
        if (res.statusCode === 202 && 'json' in b) {
          const sentMetrics = (b.json as { metrics: unknown[] }).metrics;
          const answer = res.json() as { accepted: number; rejected: { code: ErrorCode }[] };
          expect(answer.accepted + answer.rejected.length, where).toBe(sentMetrics.length);
          for (const r of answer.rejected) expect(ERRORS[r.code], where).toBeDefined();
        }
      }),
      { numRuns: RUNS },
    );
    for (const batch of bus.batches)
      for (const a of batch.aggregates) expect(aggregateProblem(a)).toBeUndefined();
    expect(bus.batches.length).toBeGreaterThan(0);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });
});
