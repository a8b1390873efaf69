import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackoffPolicy, Sample } from '../core/index.js';
import { createAgentMetrics } from './agent-metrics.js';
import type { AgentMetrics } from './agent-metrics.js';
import { MetricsSender, parseRetryAfter } from './metrics-sender.js';
import { SampleBuffer } from './sample-buffer.js';
import { SampleShipper } from './sample-shipper.js';
import { captureLogger } from '../../test/support/capture-logger.js';
import type { CapturedLog } from '../../test/support/capture-logger.js';

/** Retries after about a millisecond, so tests do not wait on backoff. */
const TINY_BACKOFF: BackoffPolicy = { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: Infinity, jitter: 0 };

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly metrics: Sample[];
}

/** A collector stand-in on a real port that answers from a script, then 202 to everything. */
async function scriptedCollector(
  script: Reply[],
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
      const metrics = (JSON.parse(text) as { metrics: Sample[] }).metrics;
      received.push({ headers: req.headers, metrics });
      const reply = script.shift() ?? { status: 202, body: { accepted: metrics.length, rejected: [] } };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const samples = (from: number, count: number): Sample[] =>
  Array.from({ length: count }, (_, i) => ({
    service: 'host:web-1',
    name: 'system_load_1m',
    value: from + i,
    timestamp: 1_764_201_600_000 + from + i,
    type: 'gauge',
    tags: { n: String(from + i) },
  }));

interface Harness {
  shipper: SampleShipper;
  buffer: SampleBuffer;
  metrics: AgentMetrics;
  lines: CapturedLog[];
  delays: number[];
}

function harness(
  endpoint: string,
  options: { maxSamples?: number; backoff?: BackoffPolicy; onSleep?: () => void; apiKey?: string } = {},
): Harness {
  const { logger, lines } = captureLogger();
  const buffer = new SampleBuffer(options.maxSamples ?? 100_000);
  const metrics = createAgentMetrics(new Registry());
  const delays: number[] = [];
  const shipper = new SampleShipper({
    sender: new MetricsSender({
      endpoint,
      requestTimeoutMs: 5_000,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    }),
    buffer,
    metrics,
    logger,
    backoff: options.backoff ?? TINY_BACKOFF,
    // Waits are recorded, not slept: what the agent would wait is asserted, never how long it took.
    sleep: async (ms) => {
      delays.push(ms);
      options.onSleep?.();
    },
  });
  return { shipper, buffer, metrics, lines, delays };
}

async function count(
  metric: { get(): Promise<{ values: { value: number; labels: object }[] }> },
  labels = {},
) {
  const { values } = await metric.get();
  const match = values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels));
  return match?.value ?? 0;
}

const running = new AbortController().signal;

describe('SampleShipper against a real HTTP collector', () => {
  it('posts gzipped JSON batches of at most 1,000 metrics, with the API key', async () => {
    const collector = await scriptedCollector([]);
    const h = harness(collector.url, { apiKey: 'k-123' });
    h.shipper.enqueue(samples(0, 2_500));
    await h.shipper.flush(running);

    expect(collector.received.map((r) => r.metrics.length)).toEqual([1_000, 1_000, 500]);
    const first = collector.received[0];
    expect(first?.headers['content-encoding']).toBe('gzip');
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.headers.authorization).toBe('Bearer k-123');
    expect(first?.metrics[0]).toEqual(samples(0, 1)[0]);
    // Oldest first, nothing lost or repeated.
    expect(collector.received.flatMap((r) => r.metrics.map((m) => m.value))).toEqual(
      samples(0, 2_500).map((s) => s.value),
    );
    expect(await count(h.metrics.samplesSent)).toBe(2_500);
    expect(h.buffer.size).toBe(0);
    expect(await h.metrics.bufferSamples.get()).toMatchObject({ values: [{ value: 0 }] });
  });

  it('waits as long as Retry-After asks on 429, then sends the same batch again', async () => {
    const collector = await scriptedCollector([
      {
        status: 429,
        headers: { 'retry-after': '3' },
        body: { error: { code: 'VTG_RATE_LIMITED', message: 'Rate limit exceeded; retry after 3 s' } },
      },
    ]);
    const h = harness(collector.url);
    h.shipper.enqueue(samples(0, 10));
    await h.shipper.flush(running);

    expect(collector.received).toHaveLength(2);
    expect(collector.received[1]?.metrics).toEqual(collector.received[0]?.metrics);
    expect(h.delays).toEqual([3_000]);
    expect(await count(h.metrics.sendFailures, { reason: 'retryable' })).toBe(1);
    expect(await count(h.metrics.samplesSent)).toBe(10);
    expect(h.lines.some((l) => l.level === 40 && l.msg.includes('retrying'))).toBe(true);
  });

  it('retries 503 and 502 with backoff and no Retry-After', async () => {
    const collector = await scriptedCollector([
      { status: 503, body: { error: { code: 'VTG_INGEST_BUS_UNAVAILABLE', message: 'down' } } },
      { status: 502, body: 'Bad gateway' },
    ]);
    const h = harness(collector.url);
    h.shipper.enqueue(samples(0, 5));
    await h.shipper.flush(running);

    expect(collector.received).toHaveLength(3);
    expect(h.delays).toHaveLength(2);
    expect(await count(h.metrics.sendFailures, { reason: 'retryable' })).toBe(2);
    expect(await count(h.metrics.samplesSent)).toBe(5);
    expect(h.lines.some((l) => l.msg === 'collector reachable again')).toBe(true);
  });

  it('does not retry a 400: drops the batch, counts it and logs the code once', async () => {
    const refusal: Reply = {
      status: 400,
      body: {
        error: { code: 'VTG_INGEST_INVALID_SAMPLE', message: 'service is not valid', field: 'service' },
      },
    };
    const collector = await scriptedCollector([refusal, refusal]);
    const h = harness(collector.url, { maxSamples: 100_000 });
    h.shipper.enqueue(samples(0, 1_500));
    await h.shipper.flush(running);

    expect(collector.received).toHaveLength(2);
    expect(h.delays).toEqual([]);
    expect(await count(h.metrics.sendFailures, { reason: 'refused' })).toBe(2);
    expect(await count(h.metrics.samplesRejected)).toBe(1_500);
    expect(await count(h.metrics.samplesSent)).toBe(0);
    expect(h.buffer.size).toBe(0);
    const errors = h.lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 400, code: 'VTG_INGEST_INVALID_SAMPLE', field: 'service' });
    expect(errors[0]?.msg).toContain('VTG_INGEST_INVALID_SAMPLE');
  });

  it('counts the samples a 202 lists as rejected', async () => {
    const collector = await scriptedCollector([
      {
        status: 202,
        body: {
          accepted: 2,
          rejected: [{ index: 1, code: 'VTG_INGEST_NAME_TOO_LONG', field: 'name', message: 'too long' }],
        },
      },
    ]);
    const h = harness(collector.url);
    h.shipper.enqueue(samples(0, 3));
    await h.shipper.flush(running);
    expect(await count(h.metrics.samplesSent)).toBe(2);
    expect(await count(h.metrics.samplesRejected)).toBe(1);
    expect(h.lines.find((l) => l.level === 50)).toMatchObject({
      code: 'VTG_INGEST_NAME_TOO_LONG',
      tags: { n: '1' },
    });
  });

  it('keeps the buffer bounded while the collector is unreachable, dropping and counting the oldest', async () => {
    // A port that was free a moment ago: connections are refused.
    const gone = await scriptedCollector([]);
    await new Promise((resolve) => gone.server.close(resolve));
    let next = 1_000;
    const h = harness(gone.url, {
      maxSamples: 50,
      backoff: { ...TINY_BACKOFF, maxAttempts: 5 },
      // Collections go on while the agent waits to retry: 20 new samples each time.
      onSleep: () => {
        h.shipper.enqueue(samples(next, 20));
        next += 20;
      },
    });
    h.shipper.enqueue(samples(0, 40));
    await h.shipper.flush(running);

    // 40 + 4 waits x 20 = 120 collected; 50 kept (the batch in flight among them), 70 dropped.
    expect(await count(h.metrics.sendFailures, { reason: 'retryable' })).toBe(5);
    expect(h.buffer.size).toBe(50);
    expect(await count(h.metrics.samplesDropped)).toBe(70);
    expect(h.buffer.dropped).toBe(70);
    expect(await h.metrics.bufferSamples.get()).toMatchObject({ values: [{ value: 50 }] });
    const kept = h.buffer.take(100).map((s) => s.value);
    // The batch that was being retried comes back first; the newest samples follow.
    expect(kept.slice(0, 40)).toEqual(samples(0, 40).map((s) => s.value));
    expect(kept.slice(40)).toEqual(samples(1_070, 10).map((s) => s.value));
    expect(h.lines.filter((l) => l.level === 40)).toHaveLength(1);
  });

  it('stops retrying when the agent stops, and the drain sends what is left', async () => {
    // retryWithBackoff makes the attempt it was waiting for, then sees the stop: two 503s.
    const collector = await scriptedCollector([{ status: 503 }, { status: 503 }]);
    const stop = new AbortController();
    const h = harness(collector.url, { onSleep: () => stop.abort() });
    h.shipper.enqueue(samples(0, 30));
    await h.shipper.flush(stop.signal);
    expect(h.buffer.size).toBe(30);
    expect(await h.shipper.drain(5_000)).toBe(0);
    expect(collector.received).toHaveLength(3);
    expect(await count(h.metrics.samplesSent)).toBe(30);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and caps what it reads', () => {
    const now = Date.parse('2025-11-27T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter('Thu, 27 Nov 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('86400', now)).toBe(300_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
