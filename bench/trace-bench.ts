import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { Span } from '../src/core/index.js';
import { ClickHouseTraceStore, SqliteTraceStore } from '../src/storage/index.js';
import type { TraceSearch, TraceStore } from '../src/storage/index.js';
import { makeTrace, rng, traceIdOf } from '../test/support/trace-fixtures.js';
import { fmt } from './support.js';

/**
 * The trace store's two questions at scale (issue 14): a trace by id with BENCH_SPANS stored
 * (10 M by default; target p99 < 50 ms) and a search over one hour (p99 < 500 ms), on SQLite and,
 * with BENCH_CLICKHOUSE_URL, on ClickHouse; and the bytes each stored span takes.
 *
 *   npx tsc -p tsconfig.bench.json && node .cache/bench-build/bench/trace-bench.js
 *
 * Traces of 10-50 spans (about 10 attributes each) spread evenly over 24 hours, written in
 * batches of 5,000 spans as the span worker writes them.
 */
const log = (s: string): void => console.error(s);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BATCH = 5_000;
const T0 = Date.UTC(2026, 11, 1);

interface Result {
  readonly store: string;
  readonly spans: number;
  readonly writeSpansPerSecond: number;
  readonly bytesPerSpan: number;
  readonly byId: Stats;
  readonly search: Stats;
}

interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? 0 };
}

function traceCount(spans: number): number {
  // Traces of 10-50 spans: 30 on average.
  return Math.ceil(spans / 30);
}

function* batches(spans: number): Generator<Span[]> {
  const traces = traceCount(spans);
  const every = DAY / traces;
  let batch: Span[] = [];
  for (let t = 0; t < traces; t += 1) {
    batch.push(...makeTrace({ traceIndex: t, startMs: T0 + Math.floor(t * every), spans: 10 + (t % 41) }));
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function searches(n: number): TraceSearch[] {
  const random = rng(42);
  const shapes: ((from: number) => TraceSearch)[] = [
    (from) => ({ from, to: from + HOUR, limit: 20 }),
    (from) => ({ from, to: from + HOUR, limit: 20, service: 'payments' }),
    (from) => ({ from, to: from + HOUR, limit: 20, service: 'checkout', operation: 'PlaceOrder' }),
    (from) => ({ from, to: from + HOUR, limit: 20, service: 'frontend', minDurationMs: 800 }),
    (from) => ({ from, to: from + HOUR, limit: 20, status: 'error' }),
    (from) => ({
      from,
      to: from + HOUR,
      limit: 20,
      service: 'inventory',
      tags: { 'http.status_code': '500' },
    }),
  ];
  return Array.from({ length: n }, (_, i) => {
    const from = T0 + Math.floor(random() * (DAY - HOUR));
    return (shapes[i % shapes.length] ?? shapes[0]!)(from);
  });
}

async function measure(
  name: string,
  store: TraceStore,
  spans: number,
  bytes: () => Promise<number>,
): Promise<Result> {
  let written = 0;
  const started = Date.now();
  for (const batch of batches(spans)) {
    await store.writeSpans(batch);
    written += batch.length;
    if (written % 500_000 < BATCH) log(`${name}: ${fmt(written)} spans written`);
  }
  const writeSpansPerSecond = written / ((Date.now() - started) / 1000);
  const random = rng(7);
  const traces = traceCount(spans);
  const byId: number[] = [];
  for (let i = 0; i < 1_000; i += 1) {
    const id = traceIdOf(Math.floor(random() * traces));
    byId.push(
      await timed(async () => {
        const got = await store.trace(id);
        if (got.length < 10) throw new Error(`trace ${id} came back with ${got.length} spans`);
      }),
    );
  }
  const search: number[] = [];
  for (const q of searches(300)) search.push(await timed(() => store.searchTraces(q)));
  return {
    store: name,
    spans: written,
    writeSpansPerSecond,
    bytesPerSpan: (await bytes()) / written,
    byId: stats(byId),
    search: stats(search),
  };
}

function fileBytes(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // No WAL.
    }
  }
  return total;
}

export async function runTraceBench(spans: number, clickHouseUrl: string | undefined): Promise<string[]> {
  const results: Result[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-traces-'));
  const retention = { spansMs: 1e13, summariesMs: 1e13 };
  const path = join(dir, 'traces.db');
  const sqlite = new SqliteTraceStore({ path, retention });
  results.push(await measure('SQLite', sqlite, spans, async () => fileBytes(path)));
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  if (clickHouseUrl !== undefined) {
    const database = `vantage_trace_bench_${Date.now().toString(36)}`;
    const clickhouse = new ClickHouseTraceStore({ url: clickHouseUrl, database, retention });
    await clickhouse.migrate();
    const admin = createClient({ url: clickHouseUrl, request_timeout: 600_000 });
    results.push(
      await measure('ClickHouse', clickhouse, spans, async () => {
        await admin.command({ query: `OPTIMIZE TABLE ${database}.spans FINAL` });
        const r = await admin.query({
          query: `SELECT sum(data_compressed_bytes) AS b FROM system.parts
                  WHERE database = {db:String} AND active AND table IN ('spans', 'trace_summaries', 'service_operations')`,
          query_params: { db: database },
          format: 'JSONEachRow',
        });
        return Number((await r.json<{ b: string }>())[0]?.b ?? 0);
      }),
    );
    await clickhouse.close();
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin.close();
  }
  return [
    '### Traces: one trace by id, and a search over an hour',
    '',
    `${fmt(spans)} spans in traces of 10-50 spans (about 10 attributes each) over 24 hours; 1,000 traces by id, 300 searches (limit 20, six shapes: none, service, service and operation, duration, status, tag) over a random hour.`,
    '',
    '| store | spans | written spans/s | bytes per span | by id p50 ms | by id p99 ms | search p50 ms | search p99 ms | search max ms |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.store} | ${fmt(r.spans)} | ${fmt(r.writeSpansPerSecond, 0)} | ${fmt(r.bytesPerSpan, 0)} | ${fmt(r.byId.p50)} | ${fmt(r.byId.p99)} | ${fmt(r.search.p50)} | ${fmt(r.search.p99)} | ${fmt(r.search.max)} |`,
    ),
    '',
  ];
}

/**
 * The codec measurement behind trace-schema.ts: the same spans in the chosen table and in a copy
 * with ClickHouse's default codec (LZ4) on every column, compressed bytes per column of each.
 */
export async function runTraceCodecBench(spans: number, clickHouseUrl: string): Promise<string[]> {
  const database = `vantage_trace_codecs_${Date.now().toString(36)}`;
  const store = new ClickHouseTraceStore({
    url: clickHouseUrl,
    database,
    retention: { spansMs: 1e13, summariesMs: 1e13 },
  });
  await store.migrate();
  for (const batch of batches(spans)) await store.writeSpans(batch);
  await store.close();
  const admin = createClient({ url: clickHouseUrl, request_timeout: 600_000 });
  const columns = [
    'timestamp',
    'service',
    'name',
    'start_ns',
    'trace_id',
    'span_id',
    'parent_span_id',
    'kind',
    'duration_ns',
    'status',
    'status_message',
    'attributes',
    'events',
    'links',
  ];
  await admin.command({
    query: `CREATE TABLE ${database}.spans_lz4 (timestamp DateTime('UTC'), service LowCardinality(String), name LowCardinality(String),
      start_ns Int64, trace_id String, span_id String, parent_span_id String, kind UInt8, duration_ns Int64, status UInt8,
      status_message String, attributes String, events String, links String)
      ENGINE = MergeTree PARTITION BY toDate(timestamp) ORDER BY (service, name, start_ns, trace_id, span_id)`,
  });
  await admin.command({
    query: `INSERT INTO ${database}.spans_lz4 SELECT ${columns.join(', ')} FROM ${database}.spans`,
  });
  for (const t of ['spans', 'spans_lz4'])
    await admin.command({ query: `OPTIMIZE TABLE ${database}.${t} FINAL` });
  const r = await admin.query({
    query: `SELECT table, name, sum(data_compressed_bytes) AS b FROM system.columns
            WHERE database = {db:String} AND table IN ('spans', 'spans_lz4') GROUP BY table, name`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const sizes = new Map<string, number>();
  for (const row of await r.json<{ table: string; name: string; b: string }>())
    sizes.set(`${row.table}.${row.name}`, Number(row.b));
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await admin.close();
  const per = (t: string, c: string): string => fmt((sizes.get(`${t}.${c}`) ?? 0) / spans, 1);
  return [
    `### Span table codecs (bytes per span, ${fmt(spans)} spans, after OPTIMIZE FINAL)`,
    '',
    '| column | chosen codec | LZ4 (default) |',
    '|---|---|---|',
    ...columns.map((c) => `| ${c} | ${per('spans', c)} | ${per('spans_lz4', c)} |`),
    '',
  ];
}

if (process.argv[1]?.endsWith('trace-bench.js') && process.env.BENCH_TRACE_CODECS !== undefined) {
  runTraceCodecBench(Number(process.env.BENCH_SPANS ?? 300_000), process.env.BENCH_CLICKHOUSE_URL ?? '')
    .then((lines) => console.log(lines.join('\n')))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
} else if (process.argv[1]?.endsWith('trace-bench.js')) {
  const spans = Number(process.env.BENCH_SPANS ?? 10_000_000);
  runTraceBench(spans, process.env.BENCH_CLICKHOUSE_URL)
    .then((lines) => console.log(lines.join('\n')))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
