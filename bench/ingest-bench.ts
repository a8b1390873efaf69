import { Pool } from 'undici';
import { fmt, percentile, promValue, rssBytes } from './support.js';
/** What the load is aimed at: a collector, and the worker metrics to follow (none: collector only). */
export interface IngestTarget {
  readonly collector: string;
  readonly pid: number;
  readonly workerMetrics?: string;
}

export interface IngestShape {
  readonly series: number;
  readonly batch: number;
  readonly connections: number;
  readonly durationMs: number;
}

export interface IngestResult {
  readonly shape: IngestShape;
  readonly acceptedPerSecond: number;
  /** Samples that got a 202. */
  readonly accepted: number;
  readonly requests: number;
  readonly errors: number;
  readonly latencyMs: { p50: number; p99: number; max: number };
  readonly peakRssMb: number;
  /** Samples the worker had stored when the load stopped, and how long it took to catch up. */
  readonly storedAtEnd: number;
  readonly drainMs: number;
}

/**
 * Sends batches of `batch` samples over `connections` keep-alive connections for `durationMs`,
 * round-robin over `series` series (a `host` tag), and measures what got a 202 (durable).
 * Bodies are made before the clock starts so that the load generator costs little.
 */
export async function runIngestBench(
  server: IngestTarget,
  shape: IngestShape,
  log: (s: string) => void,
): Promise<IngestResult> {
  const blocks = Math.ceil(shape.series / shape.batch);
  const now = Date.now();
  const bodies: string[] = [];
  for (let variant = 0; variant < 4; variant++) {
    for (let b = 0; b < blocks; b++) {
      const metrics = [];
      for (let i = 0; i < shape.batch; i++) {
        const s = (b * shape.batch + i) % shape.series;
        metrics.push({
          service: `svc-${s % 10}`,
          name: 'http_request_duration_ms',
          value: Math.round(Math.random() * 5000) / 10,
          timestamp: now + variant,
          tags: { host: `host-${s}`, region: `r${s % 4}` },
        });
      }
      bodies.push(JSON.stringify({ metrics }));
    }
  }
  const url = new URL(server.collector);
  const pool = new Pool(url.origin, { connections: shape.connections, pipelining: 1 });
  const latencies: number[] = [];
  let accepted = 0;
  let errors = 0;
  let requests = 0;
  let peakRss = 0;
  const pid = server.pid;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(pid))), 250);
  const started = performance.now();
  const deadline = started + shape.durationMs;
  let next = 0;
  let lastReport = started;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const body = bodies[next++ % bodies.length] as string;
      const t0 = performance.now();
      const res = await pool.request({
        path: '/v1/metrics',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.body.text();
      latencies.push(performance.now() - t0);
      requests++;
      if (res.statusCode === 202) accepted += (JSON.parse(text) as { accepted: number }).accepted;
      else errors++;
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        log(
          `  ${fmt((lastReport - started) / 1000, 0)} s: ${fmt(accepted / ((lastReport - started) / 1000), 0)} samples/s acknowledged`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: shape.connections }, worker));
  const elapsed = performance.now() - started;
  const workerMetrics = server.workerMetrics;
  const storedAtEnd =
    workerMetrics === undefined ? 0 : await promValue(workerMetrics, 'vantage_worker_samples_stored_total');
  const drainStart = performance.now();
  while (
    workerMetrics !== undefined &&
    (await promValue(workerMetrics, 'vantage_worker_samples_stored_total')) < accepted
  ) {
    await new Promise((r) => setTimeout(r, 100));
    if (performance.now() - drainStart > 300_000) break;
  }
  const drainMs = performance.now() - drainStart;
  clearInterval(rssTimer);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    shape,
    acceptedPerSecond: accepted / (elapsed / 1000),
    accepted,
    requests,
    errors,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies[latencies.length - 1] ?? 0,
    },
    peakRssMb: peakRss / 1024 / 1024,
    storedAtEnd,
    drainMs,
  };
}
