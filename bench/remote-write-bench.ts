import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { hasBinary, startPrometheus, startVictoriaMetrics } from '../test/support/prometheus-process.js';
import type { ExternalProcess } from '../test/support/prometheus-process.js';
import { buildRemoteWriteLoad } from './remote-write-load.js';
import type { RemoteWriteLoad, RemoteWriteShape } from './remote-write-load.js';
import { fmt, percentile, promValue, startServer } from './support.js';

export interface ReceiverResult {
  readonly name: string;
  readonly samplesPerSecond: number;
  /** CPU seconds of the receiver's process (every thread) while the load ran. */
  readonly cpuSeconds: number;
  readonly elapsedSeconds: number;
  readonly errors: number;
  readonly p99Ms: number;
  /** Embedded Vantage: how long after the load its worker had stored every sample, and the CPU that took. */
  readonly drainSeconds?: number;
  readonly drainCpuSeconds?: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux.

/** utime + stime of every thread of a process, in seconds (/proc/<pid>/stat fields 14 and 15). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** What a remote_write 1.0 sender puts on every request. */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

/** Sends every body once over `connections` keep-alive connections; counts what got a 2xx. */
export async function send(
  url: string,
  path: string,
  pid: number,
  load: RemoteWriteLoad,
  connections: number,
  headers: Readonly<Record<string, string>>,
): Promise<{
  samples: number;
  errors: number;
  seconds: number;
  cpuSeconds: number;
  p99Ms: number;
  lastError: string;
}> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let samples = 0;
  let errors = 0;
  let lastError = '';
  const cpu0 = processCpuSeconds(pid);
  const started = performance.now();
  // Connection c sends bodies c, c + connections, ...: with as many batches a round as connections,
  // each connection owns a set of series and sends its rounds in order, as a Prometheus shard does
  // (Prometheus refuses a sample older than one it has of the series).
  const worker = async (c: number): Promise<void> => {
    for (let i = c; i < load.bodies.length; i += connections) {
      const t0 = performance.now();
      const res = await pool.request({
        path,
        method: 'POST',
        headers,
        body: load.bodies[i] as Buffer,
      });
      const text = await res.body.text();
      latencies.push(performance.now() - t0);
      if (res.statusCode >= 200 && res.statusCode < 300) samples += load.samplesPerBody[i] as number;
      else {
        errors++;
        lastError = `${res.statusCode} ${text.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, c) => worker(c)));
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = processCpuSeconds(pid) - cpu0;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { samples, errors, seconds, cpuSeconds, p99Ms: percentile(latencies, 0.99), lastError };
}

async function external(
  name: string,
  start: (dir: string) => Promise<ExternalProcess>,
  load: RemoteWriteLoad,
  shape: RemoteWriteShape,
  log: (s: string) => void,
): Promise<ReceiverResult> {
  const dir = mkdtempSync(join(tmpdir(), `vantage-bench-rw-${name}-`));
  const p = await start(dir);
  try {
    log(`remote_write: ${name}`);
    const r = await send(
      p.url,
      '/api/v1/write',
      p.child.pid as number,
      load,
      shape.connections,
      REMOTE_WRITE_HEADERS,
    );
    if (r.errors > 0) log(`  ${name}: ${r.errors} errors, last: ${r.lastError}`);
    return {
      name,
      samplesPerSecond: r.samples / r.seconds,
      cpuSeconds: r.cpuSeconds,
      elapsedSeconds: r.seconds,
      errors: r.errors,
      p99Ms: r.p99Ms,
    };
  } finally {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where embedded Vantage takes a load: which of its ports, the path, the request headers. */
export interface VantageTarget {
  readonly name: string;
  readonly port: 'collector' | 'otlpHttp';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

const REMOTE_WRITE_TARGET: VantageTarget = {
  name: 'Vantage (embedded)',
  port: 'collector',
  path: '/api/v1/write',
  headers: REMOTE_WRITE_HEADERS,
};

/** Embedded Vantage in a fresh data directory, given the load, then until its worker stored it. */
export async function vantage(
  load: RemoteWriteLoad,
  shape: RemoteWriteShape,
  log: (s: string) => void,
  target: VantageTarget = REMOTE_WRITE_TARGET,
  nodeFlags: readonly string[] = [],
): Promise<ReceiverResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-rw-vantage-'));
  const server = await startServer(dir, nodeFlags);
  const pid = server.child.pid as number;
  try {
    log(`${target.name}: ${target.path}`);
    const r = await send(server[target.port], target.path, pid, load, shape.connections, target.headers);
    if (r.errors > 0) log(`  ${target.name}: ${r.errors} errors, last: ${r.lastError}`);
    // Durable end to end: 204 is durable on the bus; then wait until the worker stored it all.
    const cpu0 = processCpuSeconds(pid);
    const drainStart = performance.now();
    while ((await promValue(server.workerMetrics, 'vantage_worker_samples_stored_total')) < r.samples) {
      if (performance.now() - drainStart > 300_000) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    return {
      name: target.name,
      samplesPerSecond: r.samples / r.seconds,
      cpuSeconds: r.cpuSeconds,
      elapsedSeconds: r.seconds,
      errors: r.errors,
      p99Ms: r.p99Ms,
      drainSeconds: (performance.now() - drainStart) / 1000,
      drainCpuSeconds: processCpuSeconds(pid) - cpu0,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const perCore = (r: ReceiverResult): number => (r.samplesPerSecond * r.elapsedSeconds) / r.cpuSeconds;

/**
 * The section of docs/benchmarks.md: Vantage, Prometheus and VictoriaMetrics on one load; with
 * Vantage's result, for the OTLP section to compare against in the same run.
 */
export async function remoteWriteSection(
  shape: RemoteWriteShape,
  log: (s: string) => void,
): Promise<{ lines: string[]; vantage: ReceiverResult }> {
  const t0 = performance.now();
  const load = buildRemoteWriteLoad(shape);
  log(
    `remote_write: ${fmt(load.bodies.length)} bodies (${fmt(load.bytes / 2 ** 20)} MiB snappy) encoded in ${fmt((performance.now() - t0) / 1000)} s`,
  );
  const results: ReceiverResult[] = [await vantage(load, shape, log)];
  if (hasBinary('prometheus')) {
    const config = 'global:\n  scrape_interval: 1m\n';
    results.push(
      await external(
        'Prometheus 2.42',
        (d) => startPrometheus(d, config, ['--web.enable-remote-write-receiver']),
        load,
        shape,
        log,
      ),
    );
  } else log('remote_write: prometheus not installed (bash scripts/install-prometheus.sh); skipped');
  if (hasBinary('victoria-metrics')) {
    results.push(await external('VictoriaMetrics 1.79', startVictoriaMetrics, load, shape, log));
  } else log('remote_write: victoria-metrics not installed (bash scripts/install-prometheus.sh); skipped');

  const vantagePerCore = perCore(results[0] as ReceiverResult);
  const lines = [
    '### Prometheus remote_write (1.0, snappy)',
    '',
    `Load: ${fmt(shape.series)} series (half counters \`http_requests_total\`, half gauges; 6 labels each), one sample per series per round, ${fmt(load.bodies.length / (shape.series / shape.batch))} rounds 1 s apart, batches of ${fmt(shape.batch)} samples (${fmt(load.bytes / load.bodies.length / 1024)} KiB snappy), ${fmt(shape.samples)} samples in all, pre-encoded; ${shape.connections} connections. Each receiver alone on the machine in turn, its own process; CPU is its process's (every thread, /proc/<pid>/stat) while the load ran. Vantage's 204 is durable on its bus; its worker thread then stores the rest (catch-up).`,
    '',
    '| receiver | samples/s acknowledged | CPU s | cores busy | samples/s per core | per core vs Vantage | errors | p99 ms |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${fmt(r.samplesPerSecond, 0)} | ${fmt(r.cpuSeconds)} | ${fmt(r.cpuSeconds / r.elapsedSeconds, 2)} | ${fmt(perCore(r), 0)} | ${fmt(perCore(r) / vantagePerCore, 2)}x | ${r.errors} | ${fmt(r.p99Ms)} |`,
    ),
    '',
    ...results
      .filter((r) => r.drainSeconds !== undefined)
      .map(
        (r) =>
          `Vantage's worker had stored every sample ${fmt(r.drainSeconds ?? 0)} s after the load ended (${fmt(r.drainCpuSeconds ?? 0)} CPU s more); end to end, durable and stored: ${fmt((r.samplesPerSecond * r.elapsedSeconds) / (r.elapsedSeconds + (r.drainSeconds ?? 0)), 0)} samples/s.`,
      ),
    '',
  ];
  return { lines, vantage: results[0] as ReceiverResult };
}
