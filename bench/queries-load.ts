import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { Store } from '../src/storage/index.js';
import { adminClient, dropDatabase } from '../test/support/clickhouse.js';
import { startPrometheus, startVictoriaMetrics } from '../test/support/prometheus-process.js';
import { startRole, stopRole } from '../test/support/role-process.js';
import { startVantageProcess } from '../test/support/vantage-process.js';
import { services } from './distributed-bench.js';
import { aggregateChunks, dataStart, QB_METRIC, textLines } from './queries-data.js';
import type { QueryData } from './queries-data.js';
import { fmt, promValue } from './support.js';

const run = promisify(execFile);
const DAY = 86_400_000;
/** The defaults of --retention-raw, --retention-hourly, --retention-daily. */
const RETENTION = { '1m': 90 * DAY, '5m': 90 * DAY, '1h': 365 * DAY, '1d': 1095 * DAY };
/** Vantage's query cache off: every answer is computed from the store. */
const CACHE_OFF = ['--query-cache-max-mb', '0'];

/** A system under test holding the data set, answering on `url`. */
export interface Target {
  readonly name: string;
  /** Vantage's REST/VQL API, or the Prometheus HTTP API (Prometheus and VictoriaMetrics). */
  readonly api: 'vantage' | 'promql';
  readonly url: string;
  /** Seconds from first write to queryable (and, for the peers, settled). */
  readonly loadSeconds: number;
  stop(): Promise<void>;
}

type Log = (s: string) => void;

/**
 * About 30,000 aggregates a write, whole 30 minutes of every series (what the dashboard bench
 * writes for 1,000 series): per-write overhead, not the data, would dominate smaller writes.
 */
async function fill(store: Store, d: QueryData, log: Log): Promise<void> {
  const chunkMinutes = 30 * Math.max(1, Math.round(1_000 / d.series));
  const chunks = Math.ceil(d.minutes / chunkMinutes);
  let i = 0;
  try {
    for (const batch of aggregateChunks(d, chunkMinutes)) {
      await store.write(batch, []);
      if (++i % Math.ceil(chunks / 5) === 0) log(`    ${store.kind}: ${fmt((100 * i) / chunks, 0)}%`);
    }
  } finally {
    await store.close();
  }
}

/** Embedded Vantage: written straight through SqliteStore.write (as its worker writes), then `vantage start`. */
export async function loadEmbedded(d: QueryData, log: Log): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-qb-sqlite-'));
  const t0 = performance.now();
  await fill(new SqliteStore({ path: join(dir, 'vantage.db'), retention: RETENTION }), d, log);
  const loadSeconds = (performance.now() - t0) / 1000;
  const server = await startVantageProcess(
    dir,
    ['--rate-limit-per-minute', '100000000', ...CACHE_OFF],
    'inherit',
  );
  return {
    name: 'Vantage embedded (SQLite)',
    api: 'vantage',
    url: server.api,
    loadSeconds,
    stop: async () => {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Vantage on ClickHouse (the chDB shim): written through ClickHouseStore.write, then `vantage api`. */
export async function loadClickHouse(d: QueryData, log: Log): Promise<Target> {
  const { clickhouse } = services();
  process.env.CLICKHOUSE_URL = clickhouse;
  const database = `bench_queries_${randomBytes(4).toString('hex')}`;
  const t0 = performance.now();
  // region rolled up per value (--rollup-tags), as an operator of these panels would list it:
  // migrated before the first row, so its rollups serve every range.
  const store = new ClickHouseStore({
    url: clickhouse,
    database,
    retention: RETENTION,
    rollupTags: ['region'],
  });
  await store.migrate();
  await fill(store, d, log);
  const loadSeconds = (performance.now() - t0) / 1000;
  const api = await startRole('api', [
    '--clickhouse-url',
    clickhouse,
    '--clickhouse-database',
    database,
    '--log-level',
    'warn',
    ...CACHE_OFF,
  ]);
  return {
    name: 'Vantage on ClickHouse (chDB shim)',
    api: 'vantage',
    url: api.url,
    loadSeconds,
    stop: async () => {
      await stopRole(api);
      const admin = adminClient();
      await dropDatabase(admin, database);
      await admin.close();
    },
  };
}

/** VictoriaMetrics 1.79: /api/v1/import/prometheus with ms timestamps, an hour of samples a request. */
export async function loadVictoria(d: QueryData, log: Log): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-qb-vm-'));
  // It runs 4 searches at once on 2 cores and refuses one that waited 10 s (-search.maxQueueDuration);
  // 50 clients wait their turn on every other system, so here too.
  const vm = await startVictoriaMetrics(dir, ['-search.maxQueueDuration=300s']);
  const t0 = performance.now();
  for (let m = 0; m < d.minutes; m += 60) {
    const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
      method: 'POST',
      body: textLines(d, m, m + 60, 'ms'),
    });
    if (!res.ok) throw new Error(`VictoriaMetrics import: ${res.status} ${await res.text()}`);
    if (m % 1440 === 0) log(`    VictoriaMetrics: ${fmt((100 * m) / d.minutes, 0)}%`);
  }
  await fetch(`${vm.url}/internal/force_flush`);
  // Background merges settle the parts just written, as they would be for data a day old.
  await settle(async () => promValue(`${vm.url}/metrics`, 'vm_active_merges'), 3);
  const count = await instant(vm.url, `count(count_over_time(${QB_METRIC}[${d.minutes}m]))`, d.end);
  if (count !== d.series) throw new Error(`VictoriaMetrics holds ${count} series, not ${d.series}`);
  return {
    name: 'VictoriaMetrics 1.79',
    api: 'promql',
    url: vm.url,
    loadSeconds: (performance.now() - t0) / 1000,
    stop: async () => {
      await vm.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TWO_HOURS = 2 * 3_600_000;

/**
 * Prometheus 2.42: one OpenMetrics file per 2-hour block (Debian's promtool has no
 * --max-block-duration and reads its whole input once per block), each through
 * `promtool tsdb create-blocks-from openmetrics` into the data directory; then Prometheus on it,
 * measured once its compaction of those blocks into larger ones is over.
 */
export async function loadPrometheus(d: QueryData, log: Log): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-qb-prom-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const t0 = performance.now();
  const first = Math.floor(dataStart(d) / TWO_HOURS) * TWO_HOURS;
  const file = join(dir, 'block.om');
  for (let w = first; w < d.end; w += TWO_HOURS) {
    const m0 = Math.max(0, (w - dataStart(d)) / 60_000);
    const m1 = (w + TWO_HOURS - dataStart(d)) / 60_000;
    writeFileSync(file, `# TYPE ${QB_METRIC} gauge\n${textLines(d, m0, m1, 's')}# EOF\n`);
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, data]);
    if (((w - first) / TWO_HOURS) % 12 === 0) log(`    Prometheus: ${fmt((100 * m0) / d.minutes, 0)}%`);
  }
  rmSync(file);
  const prom = await startPrometheus(dir, 'global:\n  scrape_interval: 1m\n', [
    '--storage.tsdb.retention.time=30d',
  ]);
  const metrics = `${prom.url}/metrics`;
  // Compaction runs a minute after start; wait for it (if the blocks call for one), then for quiet.
  const waitUntil = performance.now() + 90_000;
  while ((await promValue(metrics, 'prometheus_tsdb_compactions_total')) === 0) {
    if (performance.now() > waitUntil) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await settle(
    async () =>
      (await promValue(metrics, 'prometheus_tsdb_compactions_total')) * 1e6 +
      (await promValue(metrics, 'prometheus_tsdb_blocks_loaded')),
    10,
    true,
  );
  const count = await instant(prom.url, `count(count_over_time(${QB_METRIC}[${d.minutes}m]))`, d.end);
  if (count !== d.series) throw new Error(`Prometheus holds ${count} series, not ${d.series}`);
  log(`    Prometheus: ${await promValue(metrics, 'prometheus_tsdb_blocks_loaded')} blocks after compaction`);
  return {
    name: 'Prometheus 2.42',
    api: 'promql',
    url: prom.url,
    loadSeconds: (performance.now() - t0) / 1000,
    stop: async () => {
      await prom.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `probe` reads 0 (or, with `unchanged`, the same value) `seconds` times in a row,
 * once a second; at most 5 minutes.
 */
async function settle(probe: () => Promise<number>, seconds: number, unchanged = false): Promise<void> {
  const deadline = performance.now() + 300_000;
  let last = Number.NaN;
  let quiet = 0;
  while (quiet < seconds && performance.now() < deadline) {
    const v = await probe();
    quiet = (unchanged ? v === last : v === 0) ? quiet + 1 : 0;
    last = v;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** One number from an instant PromQL query (NaN if empty). */
async function instant(url: string, query: string, at: number): Promise<number> {
  const params = new URLSearchParams({ query, time: String(at / 1000), nocache: '1' });
  const body = (await (await fetch(`${url}/api/v1/query?${params.toString()}`)).json()) as {
    data?: { result: { value: [number, string] }[] };
  };
  return Number(body.data?.result[0]?.value[1] ?? Number.NaN);
}
