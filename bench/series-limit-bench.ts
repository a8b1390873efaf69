import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { ActiveSeriesTracker } from '../src/ingest/index.js';
import { startVantageProcess } from '../test/support/vantage-process.js';
import { fmt, promValue, rssBytes } from './support.js';

/**
 * The cardinality attack against the series limits: an embedded process gets series up
 * to its total limit (spread so that no per-metric or per-service limit is met first), then the
 * attack itself, new series in one metric, all of which must be refused. RSS is read from /proc
 * after the worker stored everything acknowledged.
 */
export interface SeriesLimitResult {
  readonly total: number;
  readonly accepted: number;
  readonly refused: number;
  readonly activeSeries: number;
  readonly baseRssMb: number;
  readonly atLimitRssMb: number;
  readonly afterAttackRssMb: number;
  /** Of the RSS at the limit: anonymous memory (heaps, SQLite page caches) and file pages (SQLite's mmap). */
  readonly atLimitAnonMb: number;
  readonly atLimitFileMb: number;
  readonly afterAttackAnonMb: number;
  readonly peakRssMb: number;
  readonly processBytesPerSeries: number;
  readonly trackerBytesPerSeries: number;
  readonly fillSeconds: number;
  readonly queries: readonly QueryTiming[];
}

export interface QueryTiming {
  readonly name: string;
  readonly status: number;
  readonly ms: number;
  readonly bytes: number;
}

const BATCH = 10_000;

export async function runSeriesLimitBench(
  total: number,
  log: (s: string) => void,
): Promise<SeriesLimitResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-series-'));
  const perMetric = Math.ceil(total / 10);
  const server = await startVantageProcess(dir, [
    '--rate-limit-per-minute',
    '100000000',
    '--max-active-series',
    String(total),
    '--max-series-per-metric',
    String(perMetric),
    '--max-series-per-service',
    String(perMetric * 2),
  ]);
  const pid = server.child.pid as number;
  const pool = new Pool(server.collector, { connections: 4 });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 250);
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    const base = rssBytes(pid);
    let accepted = 0;
    let refused = 0;
    const post = async (metrics: object[]): Promise<void> => {
      const res = await pool.request({
        path: '/v1/metrics',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metrics }),
      });
      const body = (await res.body.json()) as { accepted?: number; rejected?: unknown[] };
      accepted += body.accepted ?? 0;
      refused += body.rejected?.length ?? 0;
    };
    // Ten services of two metrics, each metric at its limit: the total is met, no other limit is.
    const now = Date.now();
    const batches: (() => object[])[] = [];
    for (let start = 0; start < total; start += BATCH) {
      batches.push(() =>
        Array.from({ length: Math.min(BATCH, total - start) }, (_, j) => {
          const i = start + j;
          return {
            service: `svc-${Math.floor(i / (perMetric * 2))}`,
            name: `requests_${Math.floor(i / perMetric) % 2}`,
            value: i,
            timestamp: now,
            tags: { request_id: `r-${i.toString(36)}`, route: '/api/orders' },
          };
        }),
      );
    }
    const t0 = performance.now();
    await runAll(batches, post, 4);
    const fillSeconds = (performance.now() - t0) / 1000;
    log(`  ${fmt(accepted)} series accepted in ${fmt(fillSeconds)} s; waiting for the worker`);
    await drained(server.workerMetrics, accepted);
    const atLimit = rssBytes(pid);
    const atLimitParts = rssParts(pid);
    // The attack: as many new series again, all in one metric.
    const attack: (() => object[])[] = [];
    for (let start = 0; start < total; start += BATCH)
      attack.push(() =>
        Array.from({ length: BATCH }, (_, j) => ({
          service: 'svc-0',
          name: 'requests_0',
          value: 1,
          timestamp: now,
          tags: { request_id: `x-${(start + j).toString(36)}` },
        })),
      );
    await runAll(attack, post, 4);
    await drained(server.workerMetrics, accepted);
    const afterAttack = rssBytes(pid);
    const afterAttackParts = rssParts(pid);
    const activeSeries = await promValue(`${server.collector}/metrics`, 'vantage_collector_active_series');
    const queries = await timeQueries(server.api, perMetric, log);
    return {
      total,
      accepted,
      refused,
      activeSeries,
      baseRssMb: base / 2 ** 20,
      atLimitRssMb: atLimit / 2 ** 20,
      afterAttackRssMb: afterAttack / 2 ** 20,
      atLimitAnonMb: atLimitParts.anon / 2 ** 20,
      atLimitFileMb: atLimitParts.file / 2 ** 20,
      afterAttackAnonMb: afterAttackParts.anon / 2 ** 20,
      peakRssMb: peak / 2 ** 20,
      processBytesPerSeries: (atLimit - base) / activeSeries,
      trackerBytesPerSeries: trackerBytesPerSeries(total),
      fillSeconds,
      queries,
    };
  } finally {
    clearInterval(timer);
    await pool.close();
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The slow answers after the attack: the metrics listing of the attacked service, a
 * group_by on the unique tag, and /v1/services while four heavy (allowed) queries run.
 */
async function timeQueries(api: string, perMetric: number, log: (s: string) => void): Promise<QueryTiming[]> {
  const timed = async (name: string, path: string): Promise<QueryTiming & { done: number }> => {
    const t0 = performance.now();
    // Past the query cache: each request is measured as the store answers it.
    const res = await fetch(`${api}${path}`, { headers: { 'cache-control': 'no-cache' } });
    const bytes = (await res.arrayBuffer()).byteLength;
    const done = performance.now();
    return { name, status: res.status, ms: done - t0, bytes, done };
  };
  const range = 'from=-1h&to=now&step=1m';
  const out: QueryTiming[] = [];
  out.push(await timed('GET /v1/metrics?service=svc-0 (first page)', '/v1/metrics?service=svc-0'));
  out.push(
    await timed(
      'timeseries group_by the unique tag',
      `/metrics/timeseries?service=svc-0&metric=requests_0&group_by=request_id&${range}`,
    ),
  );
  const heavy = ['p99', 'p95', 'p50', 'max'].map((agg) =>
    timed(
      `${agg} over one metric's ${fmt(perMetric)} series, 1 h`,
      `/metrics/timeseries?service=svc-0&metric=requests_0&agg=${agg}&${range}`,
    ),
  );
  const services = timed('GET /v1/services during the four heavy queries', '/v1/services');
  const all = await Promise.all([...heavy, services]);
  const listing = all[all.length - 1] as QueryTiming & { done: number };
  const before = all.slice(0, 4).filter((h) => h.done > listing.done).length;
  for (const t of all) out.push({ name: t.name, status: t.status, ms: t.ms, bytes: t.bytes });
  log(`  /v1/services answered before ${before} of the 4 heavy queries`);
  return out;
}

/** RssAnon and RssFile of a process (Linux), in bytes. */
function rssParts(pid: number): { anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number =>
    Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}

async function runAll(
  jobs: (() => object[])[],
  post: (m: object[]) => Promise<void>,
  width: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) await post((jobs[next++] as () => object[])());
    }),
  );
}

async function drained(workerMetrics: string, accepted: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while ((await promValue(workerMetrics, 'vantage_worker_samples_stored_total')) < accepted) {
    if (Date.now() > deadline) throw new Error('the worker did not store every accepted sample in 10 min');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The collector's own share: heap and typed arrays of the tracker at its limit, measured here. */
function trackerBytesPerSeries(total: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const tracker = new ActiveSeriesTracker({
    perMetric: total,
    perService: total,
    total,
    windowMs: 3_600_000,
  });
  const now = Date.now();
  for (let i = 0; i < total; i++)
    tracker.admit(`svc-${i % 10}`, `requests_${i % 2}`, 'gauge', `{"request_id":"r-${i.toString(36)}"}`, now);
  gc?.();
  const after = process.memoryUsage();
  const bytes = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  return bytes / tracker.activeSeries;
}

export function seriesLimitSection(r: SeriesLimitResult): string[] {
  const queries = [
    '',
    'Then, on the same process (one at a time, except the last five, sent together):',
    '',
    '| request | status | ms | bytes |',
    '|---|---|---|---|',
    ...r.queries.map((q) => `| ${q.name} | ${q.status} | ${fmt(q.ms, 0)} | ${fmt(q.bytes, 0)} |`),
    '',
  ];
  return [
    '### Series limits under a cardinality attack (embedded)',
    '',
    `Series up to \`--max-active-series\` ${fmt(r.total)} (10 services x 2 metrics, each metric at \`--max-series-per-metric\` ${fmt(r.total / 10)}), in batches of ${fmt(BATCH)} over 4 connections; then the attack, ${fmt(r.total)} new series in one metric. RSS of the whole process (collector, worker thread, query threads, SQLite) once the worker stored everything acknowledged.`,
    '',
    '| accepted | refused | active series | RSS at start MB | RSS at the limit MB (anonymous + SQLite mmap) | RSS after the attack MB (anonymous) | peak RSS MB | process bytes / active series | tracker bytes / active series | fill s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| ${fmt(r.accepted)} | ${fmt(r.refused)} | ${fmt(r.activeSeries)} | ${fmt(r.baseRssMb, 0)} | ${fmt(r.atLimitRssMb, 0)} (${fmt(r.atLimitAnonMb, 0)} + ${fmt(r.atLimitFileMb, 0)}) | ${fmt(r.afterAttackRssMb, 0)} (${fmt(r.afterAttackAnonMb, 0)}) | ${fmt(r.peakRssMb, 0)} | ${fmt(r.processBytesPerSeries, 0)} | ${fmt(r.trackerBytesPerSeries, 0)} | ${fmt(r.fillSeconds)} |`,
    ...queries,
  ];
}
