import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasBinary, startVictoriaMetrics } from '../test/support/prometheus-process.js';
import { summarizeCpuProfiles } from './cpu-profile.js';
import type { ThreadProfile } from './cpu-profile.js';
import { buildOtlpLoad } from './otlp-load.js';
import { buildRemoteWriteLoad } from './remote-write-load.js';
import type { RemoteWriteLoad, RemoteWriteShape } from './remote-write-load.js';
import { perCore, send, vantage } from './remote-write-bench.js';
import type { ReceiverResult, VantageTarget } from './remote-write-bench.js';
import { fmt } from './support.js';

/*
 * OTLP/HTTP protobuf ingest beside remote_write on embedded Vantage, in one run (the issue asks
 * for OTLP within 20 % of remote_write), and VictoriaMetrics' OTLP endpoint when it has one.
 */

const OTLP_PATH = '/v1/metrics';
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const GZIP_PROTOBUF = { ...PROTOBUF, 'content-encoding': 'gzip' };
/** VictoriaMetrics' OTLP paths: the documented one, and the one older docs and configs use. */
const VM_PATHS = ['/opentelemetry/v1/metrics', '/opentelemetry/api/v1/push'];

const target = (name: string, headers: Record<string, string>): VantageTarget => ({
  name,
  port: 'otlpHttp',
  path: OTLP_PATH,
  headers,
});

interface VictoriaOutcome {
  readonly result?: ReceiverResult;
  readonly note: string;
}

/** VictoriaMetrics on the same OTLP load, or why not: its answer to the first body. */
async function victoriaMetrics(
  load: RemoteWriteLoad,
  shape: RemoteWriteShape,
  log: (s: string) => void,
): Promise<VictoriaOutcome> {
  if (!hasBinary('victoria-metrics')) {
    return { note: 'victoria-metrics is not installed (bash scripts/install-prometheus.sh).' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-otlp-vm-'));
  const p = await startVictoriaMetrics(dir);
  try {
    const answers: string[] = [];
    for (const path of VM_PATHS) {
      const res = await fetch(p.url + path, { method: 'POST', headers: PROTOBUF, body: load.bodies[0] });
      const text = (await res.text()).trim().slice(0, 120);
      if (res.ok) {
        log(`otlp: VictoriaMetrics ${path}`);
        // The probe's body went in already; the run sends every body, so it counts once more.
        const r = await send(p.url, path, p.child.pid as number, load, shape.connections, PROTOBUF);
        return {
          result: {
            name: `VictoriaMetrics 1.79, ${path}`,
            samplesPerSecond: r.samples / r.seconds,
            cpuSeconds: r.cpuSeconds,
            elapsedSeconds: r.seconds,
            errors: r.errors,
            p99Ms: r.p99Ms,
          },
          note: '',
        };
      }
      answers.push(`\`POST ${path}\` answers ${res.status} (\`${text}\`)`);
    }
    return { note: `VictoriaMetrics 1.79 has no OTLP ingestion: ${answers.join('; ')}.` };
  } finally {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A profiled run of the OTLP load (its own server: the profiler's cost stays out of the table). */
async function profile(
  load: RemoteWriteLoad,
  shape: RemoteWriteShape,
  log: (s: string) => void,
): Promise<ThreadProfile[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-otlp-prof-'));
  try {
    await vantage(load, shape, log, target('Vantage OTLP, profiled', PROTOBUF), [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
    ]);
    return summarizeCpuProfiles(dir, 15);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The section of docs/benchmarks.md. `remoteWrite` is Vantage's remote_write result of this run
 * when the remote_write section ran first; otherwise this section measures it itself.
 */
export async function otlpSection(
  shape: RemoteWriteShape,
  log: (s: string) => void,
  remoteWrite?: ReceiverResult,
): Promise<string[]> {
  const load0 = loadavg();
  const rw = remoteWrite ?? (await vantage(buildRemoteWriteLoad(shape), shape, log));
  const rows: ReceiverResult[] = [{ ...rw, name: 'Vantage, remote_write 1.0 (snappy)' }];
  let t0 = performance.now();
  const plain = buildOtlpLoad(shape, false);
  log(
    `otlp: ${fmt(plain.bodies.length)} bodies (${fmt(plain.bytes / 2 ** 20)} MiB) encoded in ${fmt((performance.now() - t0) / 1000)} s`,
  );
  rows.push(await vantage(plain, shape, log, target('Vantage, OTLP/HTTP protobuf', PROTOBUF)));
  t0 = performance.now();
  const gzipped = buildOtlpLoad(shape, true);
  log(
    `otlp: ${fmt(gzipped.bodies.length)} gzipped bodies (${fmt(gzipped.bytes / 2 ** 20)} MiB) encoded in ${fmt((performance.now() - t0) / 1000)} s`,
  );
  rows.push(await vantage(gzipped, shape, log, target('Vantage, OTLP/HTTP protobuf, gzip', GZIP_PROTOBUF)));
  const vm = await victoriaMetrics(plain, shape, log);
  if (vm.result) rows.push(vm.result);
  const load1 = loadavg();
  const threads = process.env.BENCH_OTLP_PROFILE === '0' ? [] : await profile(plain, shape, log);

  const rwPerCore = perCore(rw);
  const lines = [
    '### OTLP/HTTP protobuf beside remote_write (embedded Vantage, one run)',
    '',
    `Load: the remote_write load's samples as ExportMetricsServiceRequest: ${fmt(shape.series)} series (half monotonic cumulative sums \`http_requests_total\`, half gauges \`memory_usage_bytes\`), \`service.name\` over 10 services, 4 point attributes (\`host\`, \`instance\`, \`region\`, \`series\`), one ResourceMetrics per service and one Metric per service with all its points, ${fmt(shape.batch)} points per body (${fmt(plain.bytes / plain.bodies.length / 1024)} KiB plain, ${fmt(gzipped.bytes / gzipped.bodies.length / 1024)} KiB gzip), ${fmt(shape.samples)} samples, pre-encoded, ${shape.connections} connections, to \`POST ${OTLP_PATH}\` on \`--otlp-http-port\`. Load average ${loadavg1(load0)} before, ${loadavg1(load1)} after.`,
    '',
    '| receiver | samples/s acknowledged | CPU s | cores busy | samples/s per core | per core vs remote_write | errors | p99 ms | catch-up s |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.samplesPerSecond, 0)} | ${fmt(r.cpuSeconds)} | ${fmt(r.cpuSeconds / r.elapsedSeconds, 2)} | ${fmt(perCore(r), 0)} | ${fmt(perCore(r) / rwPerCore, 2)}x | ${r.errors} | ${fmt(r.p99Ms)} | ${r.drainSeconds === undefined ? '' : fmt(r.drainSeconds)} |`,
    ),
    '',
  ];
  if (vm.note !== '') lines.push(vm.note, '');
  for (const t of threads.filter((x) => x.busyMs > 1000)) {
    lines.push(
      `CPU profile of the OTLP protobuf run, ${t.thread} (busy ${fmt(t.busyMs / 1000)} s, idle ${fmt(t.idleMs / 1000)} s), top self time:`,
      '',
      '| function | where | self ms | % of busy |',
      '|---|---|---|---|',
      ...t.top.map(
        (f) => `| ${f.fn} | ${f.where} | ${fmt(f.selfMs, 0)} | ${fmt((100 * f.selfMs) / t.busyMs)} |`,
      ),
      '',
    );
  }
  return lines;
}

const loadavg1 = (l: number[]): string => l.map((x) => fmt(x, 2)).join(' / ');
