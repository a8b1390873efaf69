import { loadavg } from 'node:os';
import { Registry } from 'prom-client';
import { decodeSpanBatch, encodeSpanBatch } from '../src/core/index.js';
import type { Span } from '../src/core/index.js';
import type { BusProducer } from '../src/bus/index.js';
import {
  ActiveSeriesTracker,
  BatchPublisher,
  PipelinePointIngest,
  SPANS_PER_MESSAGE,
  createCollectorMetrics,
  decodeTracesProtobuf,
  spanMetricColumns,
} from '../src/ingest/index.js';
import { buildSpanLoad } from './span-load.js';
import { fmt } from './support.js';

/*
 * The span path's stages one at a time, in this process: process CPU (user + system) of a fixed
 * loop of `spans` spans through each, per span, the cheapest of BENCH_SPAN_ROUNDS (3) loops. The bodies are the span bench's (bench/span-load.ts):
 * about 1,000 spans a request, 10 attributes a span. `node --cpu-prof` on this file profiles the
 * same loops. Run: `node .cache/bench-build/bench/span-stages.js [spans]` after
 * `npx tsc -p tsconfig.bench.json`.
 */

interface Stage {
  readonly name: string;
  readonly cpuUs: number;
  readonly spans: number;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Loops through a stage this many times; the cheapest counts (the machine is shared and loaded). */
const ROUNDS = Number(process.env.BENCH_SPAN_ROUNDS ?? 3);

async function timed(name: string, spans: number, run: () => Promise<void> | void): Promise<Stage> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = cpuUs();
    await run();
    best = Math.min(best, cpuUs() - t0);
  }
  return { name, cpuUs: best, spans };
}

const nullProducer: BusProducer = { partitioned: false, publish: async () => {}, close: async () => {} };

export async function spanStages(total: number): Promise<Stage[]> {
  const load = buildSpanLoad({ spans: total, batch: 1_000, connections: 1 });
  const now = Date.now();
  const window = { oldestMs: now - 3_600_000, newestMs: now + 60_000 };
  let requests: Span[][] = [];
  let decodedSpans = 0;
  const stages: Stage[] = [];
  // Warm up every stage once, so that the loops time optimized code.
  const warm = decodeTracesProtobuf(load.bodies[0] as Buffer, window).spans;
  decodeSpanBatch(encodeSpanBatch(warm));
  spanMetricColumns(warm);

  stages.push(
    await timed('OTLP protobuf decode (decodeTracesProtobuf)', total, () => {
      requests = [];
      decodedSpans = 0;
      for (const body of load.bodies) {
        const d = decodeTracesProtobuf(body, window);
        requests.push(d.spans);
        decodedSpans += d.spans.length;
      }
    }),
  );
  let payloads: Buffer[] = [];
  stages.push(
    await timed('encodeSpanBatch', decodedSpans, () => {
      payloads = [];
      for (const spans of requests)
        for (let i = 0; i < spans.length; i += SPANS_PER_MESSAGE)
          payloads.push(encodeSpanBatch(spans.slice(i, i + SPANS_PER_MESSAGE)));
    }),
  );
  const bytes = payloads.reduce((a, p) => a + p.length, 0);
  stages.push(
    await timed('decodeSpanBatch (worker)', decodedSpans, () => {
      for (const p of payloads) decodeSpanBatch(p);
    }),
  );
  stages.push(
    await timed('span metrics (spanMetricColumns)', decodedSpans, () => {
      for (const spans of requests) spanMetricColumns(spans);
    }),
  );
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  const publisher = new BatchPublisher(
    nullProducer,
    { maxPendingSamples: 10_000_000, timeoutMs: 10_000 },
    metrics,
    'bench',
  );
  const points = new PipelinePointIngest({
    limits: { maxTags: 20, maxBatchSize: 10_000, maxSampleAgeMs: 3_600_000, maxFutureSkewMs: 60_000 },
    activeSeries: new ActiveSeriesTracker({
      perMetric: 100_000,
      perService: 100_000,
      total: 500_000,
      windowMs: 3_600_000,
    }),
    publisher,
    metrics,
  });
  stages.push(
    await timed('span metrics + point pipeline (fold, publish)', decodedSpans, async () => {
      for (const spans of requests) await points.submit(spanMetricColumns(spans), now);
    }),
  );
  await publisher.close();
  const pointsPerRequest = requests.reduce((a, spans) => a + spanMetricColumns(spans).pointCount, 0);
  console.error(
    `spans bus: ${fmt(bytes / decodedSpans)} bytes per span; span metrics: ${fmt(pointsPerRequest / decodedSpans, 2)} points per span`,
  );
  return stages;
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 40_000);
  const before = loadavg();
  const stages = await spanStages(total);
  const after = loadavg();
  console.log(`load average ${fmt(before[0] ?? 0, 2)} before, ${fmt(after[0] ?? 0, 2)} after`);
  console.log('| stage | spans | CPU µs per span |');
  console.log('| --- | --- | --- |');
  for (const s of stages) console.log(`| ${s.name} | ${fmt(s.spans)} | ${fmt(s.cpuUs / s.spans, 2)} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
