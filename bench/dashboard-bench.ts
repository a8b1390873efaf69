import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { Store } from '../src/storage/index.js';
import { adminClient, dropDatabase } from '../test/support/clickhouse.js';
import { startRole, stopRole } from '../test/support/role-process.js';
import { startVantageProcess } from '../test/support/vantage-process.js';
import { writeDashboardData } from './dashboard-data.js';
import type { DashboardData } from './dashboard-data.js';
import { DASHBOARD_PANELS, runDashboardLoad } from './dashboard-load.js';
import type { LoadResult } from './dashboard-load.js';
import { probeLatency } from './loop-probe.js';
import type { ProbeResult } from './loop-probe.js';
import { services } from './distributed-bench.js';
import { fmt } from './support.js';

const CLIENTS = 50;
const DAY = 86_400_000;
/** The defaults of --retention-raw, --retention-hourly, --retention-daily. */
const RETENTION = { '1m': 90 * DAY, '5m': 90 * DAY, '1h': 365 * DAY, '1d': 1095 * DAY };
const CACHE = { off: ['--query-cache-max-mb', '0'], on: [] as string[] };
/**
 * Extra flags of the embedded server, one SQLite row pair per set, `;`-separated: e.g.
 * BENCH_DASHBOARD_SQLITE_ARGS='--query-threads 0;--query-threads 2' compares reading on the main
 * thread with reading on query threads, over the same data in the same run.
 */
const SQLITE_ARG_SETS = (process.env.BENCH_DASHBOARD_SQLITE_ARGS ?? '')
  .split(';')
  .map((set) => set.split(' ').filter(Boolean));
/** Which stores to measure (BENCH_DASHBOARD_STORES=sqlite skips the ClickHouse rows). */
const STORES = (process.env.BENCH_DASHBOARD_STORES ?? 'sqlite,clickhouse').split(',');
/** With the query cache off, on, or both (BENCH_DASHBOARD_CACHE=on). */
const CACHE_MODES = (process.env.BENCH_DASHBOARD_CACHE ?? 'off,on')
  .split(',')
  .filter((mode): mode is 'off' | 'on' => mode === 'off' || mode === 'on');

interface Run {
  readonly store: string;
  /** The store's column head in the per-panel table. */
  readonly short: string;
  readonly cache: 'off' | 'on';
  readonly result: LoadResult;
  /** 1-minute load average of the machine before and after: other work on the cores shows here. */
  readonly load: readonly [number, number];
  /** GET /live every 20 ms during the load, sent on schedule: how long the server's event loop stalls. */
  readonly probe: ProbeResult;
}

/**
 * Query API latency under a dashboard's load (issue 4): 50 viewers at once over 1,000 series x
 * 24 h, on the embedded process (SQLite) and on `vantage api` over ClickHouse holding the same
 * data, each with the query cache off and on.
 */
export async function runDashboardBench(durationS: number, log: (s: string) => void): Promise<string[]> {
  const data: DashboardData = { series: 1_000, hours: 24, end: Math.floor(Date.now() / 60_000) * 60_000 };
  const runs: Run[] = [];
  const measure = async (store: string, cache: 'off' | 'on', api: string, short?: string): Promise<void> => {
    const before = loadavg()[0] as number;
    log(`  ${store}, cache ${cache}: ${CLIENTS} clients for ${durationS} s`);
    const [result, probe] = await Promise.all([
      runDashboardLoad(api, CLIENTS, durationS * 1000),
      probeLatency(`${api}/live`, 20, durationS * 1000),
    ]);
    const shortName = short ?? (store.split(' ')[0] as string);
    runs.push({ store, short: shortName, cache, result, probe, load: [before, loadavg()[0] as number] });
    log(
      `    p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms, ${fmt(result.perSecond, 0)} req/s; /live p99 ${fmt(probe.p99)} ms, max ${fmt(probe.max)} ms`,
    );
  };

  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-dashboard-'));
  try {
    if (STORES.includes('sqlite')) {
      log('  writing 1,000 series x 24 h into SQLite');
      await fill(new SqliteStore({ path: join(dir, 'vantage.db'), retention: RETENTION }), data, log);
    }
    for (const args of STORES.includes('sqlite') ? SQLITE_ARG_SETS : []) {
      const store = args.length > 0 ? `SQLite (embedded, ${args.join(' ')})` : 'SQLite (embedded)';
      const short =
        args.length > 0 ? `SQLite ${args.join(' ').replace(/^--query-threads /, 'threads ')}` : 'SQLite';
      for (const cache of CACHE_MODES) {
        const server = await startVantageProcess(
          dir,
          ['--rate-limit-per-minute', '100000000', ...CACHE[cache], ...args],
          'inherit',
        );
        try {
          await measure(store, cache, server.api, short);
        } finally {
          server.child.kill('SIGTERM');
          await server.exited;
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!STORES.includes('clickhouse')) return report(runs, durationS);

  const { clickhouse } = services();
  process.env.CLICKHOUSE_URL = clickhouse;
  const database = `bench_dashboard_${randomBytes(4).toString('hex')}`;
  const admin = adminClient();
  try {
    // `region` rolled up per value, as an operator would list a dashboard's low-cardinality keys
    // (--rollup-tags); embedded Vantage rolls such keys up by itself.
    const store = new ClickHouseStore({
      url: clickhouse,
      database,
      retention: RETENTION,
      rollupTags: ['region'],
    });
    await store.migrate();
    log('  writing the same data into ClickHouse');
    await fill(store, data, log);
    for (const cache of CACHE_MODES) {
      const api = await startRole('api', [
        '--clickhouse-url',
        clickhouse,
        '--clickhouse-database',
        database,
        '--log-level',
        'warn',
        ...CACHE[cache],
      ]);
      try {
        await measure('ClickHouse (chDB shim)', cache, api.url);
      } finally {
        await stopRole(api);
      }
    }
  } finally {
    await dropDatabase(admin, database);
    await admin.close();
  }
  return report(runs, durationS);
}

async function fill(store: Store, data: DashboardData, log: (s: string) => void): Promise<void> {
  const t0 = performance.now();
  try {
    await writeDashboardData(store, data, log);
  } finally {
    await store.close();
  }
  log(`    ${store.kind}: written in ${fmt((performance.now() - t0) / 1000)} s`);
}

function report(runs: readonly Run[], durationS: number): string[] {
  return [
    '### Query API under a dashboard load',
    '',
    `${CLIENTS} clients at once, each loading a ${DASHBOARD_PANELS.length}-panel dashboard over the last 24 h panel after panel, for ${durationS} s per row; 1,000 series x 24 h, one sample per series-minute.`,
    '',
    '| store | cache | requests | req/s | errors | cache hits | p50 ms | p99 ms | max ms | /live p99 ms | /live max ms | load avg before → after |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      ({ store, cache, result: r, probe, load }) =>
        `| ${store} | ${cache} | ${fmt(r.requests)} | ${fmt(r.perSecond, 0)} | ${r.errors} | ${fmt(100 * r.hitRatio, 1)} % | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(probe.p99)} | ${fmt(probe.max)} | ${fmt(load[0], 2)} → ${fmt(load[1], 2)} |`,
    ),
    '',
    ...issue13Targets(runs),
    '/live: GET /live on the API port every 20 ms during the load, sent on schedule (open loop): a stall of the event loop the collector and the API share shows here, where the closed-loop clients above stop asking during it.',
    '',
    `p99 per panel, ms (${runs.map((r) => `${r.store} cache ${r.cache}`).join(' / ')}):`,
    '',
    `| panel | ${runs.map((r) => `${r.short} ${r.cache}`).join(' | ')} |`,
    `|---|${runs.map(() => '---').join('|')}|`,
    ...DASHBOARD_PANELS.map(
      (panel, i) =>
        `| ${panel.name} | ${runs.map((r) => fmt(r.result.panels[i]?.p99 ?? Number.NaN)).join(' | ')} |`,
    ),
    '',
  ];
}

/** Issue 13's targets for the cache-off rows: p99 at most 1 s embedded, 250 ms on ClickHouse, 50 req/s. */
const CACHE_OFF_P99_TARGET_MS: Record<string, number> = { SQLite: 1_000, ClickHouse: 250 };

function issue13Targets(runs: readonly Run[]): string[] {
  const off = runs.filter((r) => r.cache === 'off' && CACHE_OFF_P99_TARGET_MS[r.short] !== undefined);
  if (off.length === 0) return [];
  return [
    'Cache off against issue 13 (p99 at most 1 s embedded and 250 ms on ClickHouse, at least 50 requests/s): ' +
      off
        .map((r) => {
          const target = CACHE_OFF_P99_TARGET_MS[r.short] as number;
          const met = r.result.p99 <= target && r.result.perSecond >= 50;
          return `${r.store} p99 ${fmt(r.result.p99)} ms, ${fmt(r.result.perSecond, 0)} req/s: ${met ? 'met' : 'not met'}`;
        })
        .join('; ') +
      '.',
    '',
  ];
}
