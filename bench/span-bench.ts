import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedPaths } from '../src/storage/index.js';
import { readSpanLog } from '../test/support/span-log.js';
import { summarizeCpuProfiles } from './cpu-profile.js';
import { send } from './remote-write-bench.js';
import { DISTINCT_BODIES, buildSpanLoad } from './span-load.js';
import type { SpanShape } from './span-load.js';
import { fmt, startServer } from './support.js';

/*
 * OTLP/HTTP protobuf span ingest into embedded Vantage: 200 = the spans are durable in the spans
 * log (and their span metrics in the metrics log). The target: 100,000 spans/s on 2 cores.
 * Afterwards the spans log is read back, to check that every acknowledged span is in it.
 */

/**
 * Hard links to every segment of a data dir's spans log as it appears, in a second data dir: the
 * worker deletes a segment once it has stored it (a 64 MiB segment holds about 250,000 spans), and
 * the check must read them all. Stopping returns the segments that are not contiguous (missed).
 */
function keepSpanSegments(dataDir: string, into: string): () => string[] {
  const from = embeddedPaths({ dataDir }).spanLogDir;
  const to = embeddedPaths({ dataDir: into }).spanLogDir;
  mkdirSync(to, { recursive: true });
  const linked = new Set<string>();
  const poll = (): void => {
    let names: string[] = [];
    try {
      names = readdirSync(from);
    } catch {
      return; // not created yet
    }
    for (const name of names)
      if (name.endsWith('.log') && !linked.has(name))
        try {
          linkSync(join(from, name), join(to, name));
          linked.add(name);
        } catch {
          // deleted between the listing and the link: the gap check below reports it
        }
  };
  const timer = setInterval(poll, 100);
  return () => {
    clearInterval(timer);
    poll();
    const bases = [...linked].map((n) => Number(n.slice(0, -4))).sort((a, b) => a - b);
    const gaps: string[] = [];
    if (bases.length > 0 && bases[0] !== 0) gaps.push(`0-${bases[0]}`);
    for (let i = 1; i < bases.length; i++) {
      const prev = bases[i - 1] as number;
      const end = prev + statSync(join(to, `${String(prev).padStart(20, '0')}.log`)).size;
      if (end !== bases[i]) gaps.push(`${end}-${bases[i]}`);
    }
    return gaps;
  };
}

export async function spanSection(shape: SpanShape, log: (s: string) => void): Promise<string[]> {
  const t0 = performance.now();
  const load = buildSpanLoad(shape);
  const spans = load.samplesPerBody.reduce((a, b) => a + b, 0);
  log(
    `spans: ${fmt(load.bodies.length)} bodies, ${fmt(spans)} spans (${fmt(load.bytes / 2 ** 20)} MiB) encoded in ${fmt((performance.now() - t0) / 1000)} s`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-spans-'));
  // BENCH_SPAN_PROFILE=1: the server runs under `node --cpu-prof`; its busiest functions are logged.
  const profileDir = process.env.BENCH_SPAN_PROFILE === '1' ? join(dir, 'profile') : undefined;
  const server = await startServer(
    dir,
    profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  );
  const kept = join(dir, 'kept');
  const stopKeeping = keepSpanSegments(dir, kept);
  const load0 = loadavg();
  try {
    const headers = { 'content-type': 'application/x-protobuf' };
    const r = await send(
      server.otlpHttp,
      '/v1/traces',
      server.child.pid as number,
      load,
      shape.connections,
      headers,
    );
    if (r.errors > 0) log(`  spans: ${r.errors} errors, last: ${r.lastError}`);
    const load1 = loadavg();
    const gaps = stopKeeping();
    if (gaps.length > 0) log(`  spans: segments missed by the check (offsets ${gaps.join(', ')})`);
    const inLog = (await readSpanLog(kept)).length;
    return [
      '### OTLP/HTTP span ingest (embedded; 200 = durable in the spans log)',
      '',
      `Load: ${fmt(spans)} spans in traces of 10-50 spans over 5 services, 10 attributes per span (plus 2 of the resource), ${fmt(load.bytes / load.bodies.length / 1024)} KiB a body of about ${fmt(shape.batch)} spans, protobuf, ${DISTINCT_BODIES} distinct bodies pre-encoded and sent in turn, ${shape.connections} connections, to \`POST /v1/traces\`. Every span also counts in \`span_calls_total\` and \`span_duration_ms\`. Load average ${fmt(load0[0] ?? 0, 2)} before, ${fmt(load1[0] ?? 0, 2)} after.`,
      '',
      '| spans/s acknowledged | CPU s | CPU µs per span | cores busy | errors | p99 ms | spans in the log / acknowledged |',
      '|---|---|---|---|---|---|---|',
      `| ${fmt(r.samples / r.seconds, 0)} | ${fmt(r.cpuSeconds)} | ${fmt((r.cpuSeconds * 1e6) / r.samples)} | ${fmt(r.cpuSeconds / r.seconds, 2)} | ${r.errors} | ${fmt(r.p99Ms)} | ${fmt(inLog)} / ${fmt(r.samples)} |`,
      '',
    ];
  } finally {
    await server.stop();
    if (profileDir !== undefined)
      for (const t of summarizeCpuProfiles(profileDir, 25)) {
        log(`profile ${t.thread}: busy ${fmt(t.busyMs)} ms, idle ${fmt(t.idleMs)} ms`);
        for (const f of t.top) log(`  ${fmt(f.selfMs).padStart(8)} ms  ${f.fn}  ${f.where}`);
      }
    rmSync(dir, { recursive: true, force: true });
  }
}
