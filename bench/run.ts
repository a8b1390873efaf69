import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { runIngestBench } from './ingest-bench.js';
import { runQueryBench } from './query-bench.js';
import { runAgentBench, runSdkBench } from './host-clients-bench.js';
import { runDistributedBench, services } from './distributed-bench.js';
import { runClickHouseStorageBench } from './clickhouse-storage-bench.js';
import { runVqlBench } from './vql-bench.js';
import { runDashboardBench } from './dashboard-bench.js';
import { runUncachedQueryBench } from './uncached-query-bench.js';
import { streamBenchSection } from './stream-bench.js';
import { runBrowserBench } from './browser-bench.js';
import { fmt, startServer } from './support.js';
import { runSeriesLimitBench, seriesLimitSection } from './series-limit-bench.js';
import { remoteWriteSection } from './remote-write-bench.js';
import type { ReceiverResult } from './remote-write-bench.js';
import { otlpSection } from './otlp-bench.js';
import { spanSection } from './span-bench.js';
import { runTraceBench } from './trace-bench.js';
import { queriesSection } from './queries-bench.js';

/**
 * `npm run bench`: embedded ingestion end to end (202 = durable) and timeseries query latency.
 * Shapes come from the issue; BENCH_DURATION_S shortens the ingest run for a quick look.
 */
const log = (s: string): void => console.error(s);

async function main(): Promise<void> {
  const durationS = Number(process.env.BENCH_DURATION_S ?? 30);
  // `npm run bench -- queries` is BENCH_ONLY=queries.
  const only = process.env.BENCH_ONLY ?? process.argv[2];
  const lines: string[] = [];
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`;
  lines.push(`Machine: ${machine}. Run at ${new Date().toISOString()}.`, '');

  if (only === undefined || only === 'ingest') {
    const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-ingest-'));
    const server = await startServer(dir);
    log(`ingest: 10,000 series, batches of 1,000, 4 connections, ${durationS} s`);
    const r = await runIngestBench(
      { collector: server.collector, pid: server.child.pid as number, workerMetrics: server.workerMetrics },
      { series: 10_000, batch: 1_000, connections: 4, durationMs: durationS * 1000 },
      log,
    );
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    lines.push(
      '### Embedded ingestion (202 = durable on local disk)',
      '',
      `Load: ${fmt(r.shape.series)} series, batches of ${fmt(r.shape.batch)} samples, ${r.shape.connections} connections, ${durationS} s; server in its own process.`,
      '',
      '| samples/s acknowledged | requests | errors | p50 ms | p99 ms | max ms | peak RSS MB | stored when load stopped | worker catch-up s |',
      '|---|---|---|---|---|---|---|---|---|',
      `| ${fmt(r.acceptedPerSecond, 0)} | ${fmt(r.requests)} | ${r.errors} | ${fmt(r.latencyMs.p50)} | ${fmt(r.latencyMs.p99)} | ${fmt(r.latencyMs.max)} | ${fmt(r.peakRssMb, 0)} | ${fmt(r.storedAtEnd, 0)} | ${fmt(r.drainMs / 1000)} |`,
      '',
    );
  }

  if (only === undefined || only === 'remote-write' || only === 'otlp') {
    const samples = Number(process.env.BENCH_RW_SAMPLES ?? 12_000_000);
    const shape = { series: 10_000, batch: 2_500, samples, connections: 4 };
    // BENCH_ONLY=otlp: Vantage's remote_write figure only, measured by the OTLP section itself.
    let rw: ReceiverResult | undefined;
    if (only !== 'otlp') {
      log(`remote_write: ${fmt(samples)} samples to Vantage, Prometheus and VictoriaMetrics in turn`);
      const section = await remoteWriteSection(shape, log);
      lines.push(...section.lines);
      rw = section.vantage;
    }
    log(`otlp: ${fmt(samples)} samples to Vantage over remote_write and OTLP/HTTP, then VictoriaMetrics`);
    lines.push(...(await otlpSection(shape, log, rw)));
  }

  if (only === undefined || only === 'spans') {
    const spans = Number(process.env.BENCH_SPANS ?? 2_000_000);
    log(`spans: ${fmt(spans)} spans to embedded Vantage over OTLP/HTTP`);
    lines.push(...(await spanSection({ spans, batch: 1_000, connections: 8 }, log)));
  }

  if (only === undefined || only === 'series-limits') {
    const total = Number(process.env.BENCH_SERIES_TOTAL ?? 500_000);
    log(`series limits: ${fmt(total)} series up to --max-active-series, then as many again in one metric`);
    lines.push(...seriesLimitSection(await runSeriesLimitBench(total, log)));
  }

  if (only === undefined || only === 'query') {
    const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-query-'));
    const server = await startServer(dir);
    log('query: 1,000 series x 24 h, step 5 min');
    const cases = await runQueryBench(server, { series: 1_000, hours: 24, queries: 30 }, log);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    lines.push(
      '### Timeseries queries (embedded, SQLite)',
      '',
      'Data: one metric, 1,000 series (host tag, 4 regions), one sample per series-minute over 24 h. Query: the whole 24 h at step 5 min; 30 runs each, one at a time.',
      '',
      '| query | series returned | points | p50 ms | p99 ms |',
      '|---|---|---|---|---|',
      ...cases.map(
        (c) =>
          `| ${c.name} | ${c.seriesReturned} | ${fmt(c.pointsReturned)} | ${fmt(c.p50)} | ${fmt(c.p99)} |`,
      ),
      '',
    );
  }
  if (only === undefined || only === 'clients') {
    const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-agent-'));
    const server = await startServer(dir);
    const seconds = Number(process.env.BENCH_AGENT_S ?? 60);
    log(`agent: ${seconds} s at the default 10 s interval`);
    const a = await runAgentBench(server, seconds, log);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    log('Python SDK hot path');
    const sdk = runSdkBench();
    lines.push(
      '### Host agent',
      '',
      `\`vantage agent\` at a ${a.intervalS} s interval against a running Vantage, measured over ${a.seconds} s after 12 s of start-up.`,
      '',
      '| CPU, % of one core | RSS MB | peak RSS MB |',
      '|---|---|---|',
      `| ${fmt(a.cpuPercentOfOneCore, 2)} | ${fmt(a.rssMb, 0)} | ${fmt(a.peakRssMb, 0)} |`,
      '',
      '### Python SDK hot path',
      '',
      '```',
      sdk,
      '```',
      '',
    );
  }

  if (only === undefined || only === 'distributed') {
    log(`distributed: collector -> Kafka, then worker -> ClickHouse (${durationS} s of load)`);
    lines.push(...(await runDistributedBench(durationS, log)));
  }
  if (only === undefined || only === 'distributed' || only === 'clickhouse-storage') {
    lines.push(...(await runClickHouseStorageBench(services().clickhouse, log)));
  }

  if (only === undefined || only === 'vql') {
    log('VQL: parse + validate + compile of the docs/vql.md examples');
    const rows = runVqlBench(20_000, log);
    lines.push(
      '### VQL parse + validate + compile',
      '',
      'Each example of docs/vql.md, 20,000 times per compiler after 2,000 warm-up runs, timed call by call; µs.',
      '',
      '| query | SQLite p50 | SQLite p99 | ClickHouse p50 | ClickHouse p99 |',
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.title} | ${fmt(r.sqlite.p50Us)} | ${fmt(r.sqlite.p99Us)} | ${fmt(r.clickhouse.p50Us)} | ${fmt(r.clickhouse.p99Us)} |`,
      ),
      '',
    );
  }

  if (only === undefined || only === 'dashboard') {
    const seconds = Number(process.env.BENCH_DASHBOARD_S ?? 20);
    log(
      `dashboard: 50 clients, 1,000 series x 24 h, SQLite and ClickHouse, cache off and on (${seconds} s each)`,
    );
    lines.push(...(await runDashboardBench(seconds, log)));
  }

  if (only === undefined || only === 'uncached') {
    const rounds = Number(process.env.BENCH_UNCACHED_ROUNDS ?? 15);
    if ((process.env.BENCH_UNCACHED_STORES ?? 'sqlite,clickhouse').includes('clickhouse'))
      process.env.CLICKHOUSE_URL = services().clickhouse;
    log(
      `uncached: the dashboard's questions one at a time, cache off, SQLite and ClickHouse (${rounds} rounds)`,
    );
    lines.push(...(await runUncachedQueryBench(rounds, log)));
  }
  if (only === undefined || only === 'queries') {
    lines.push(...(await queriesSection(log)));
  }

  if (only === undefined || only === 'stream') {
    log(`stream: 1,000 WebSocket clients on one embedded API process (${durationS} s of ingest)`);
    lines.push(...(await streamBenchSection(durationS, log)));
  }

  if (only === undefined || only === 'browser') {
    log('browser: the dashboard in headless Chromium (load, first chart, 10,000 points, live appends)');
    lines.push(...(await runBrowserBench(log)));
  }

  if (only === undefined || only === 'traces') {
    const spans = Number(process.env.BENCH_SPANS ?? 10_000_000);
    log(`traces: ${spans} spans, trace by id and one-hour searches (BENCH_CLICKHOUSE_URL adds ClickHouse)`);
    lines.push(...(await runTraceBench(spans, process.env.BENCH_CLICKHOUSE_URL)));
  }

  const text = lines.join('\n');
  mkdirSync('.cache', { recursive: true });
  writeFileSync('.cache/bench-results.md', text);
  console.log(text);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
