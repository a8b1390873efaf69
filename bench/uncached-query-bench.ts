import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { Store } from '../src/storage/index.js';
import { ApiKeyVerifier } from '../src/http/index.js';
import { buildApiServer, createApiMetrics } from '../src/api/index.js';
import { TEST_HTTP_SETTINGS } from '../test/support/http-settings.js';
import { DASHBOARD_METRIC, DASHBOARD_SERVICE, writeDashboardData } from './dashboard-data.js';
import type { DashboardData } from './dashboard-data.js';
import { DASHBOARD_PANELS } from './dashboard-load.js';
import { fmt, percentile } from './support.js';

const DAY = 86_400_000;
/** The defaults of --retention-raw, --retention-hourly, --retention-daily. */
const RETENTION = { '1m': 90 * DAY, '5m': 90 * DAY, '1h': 365 * DAY, '1d': 1095 * DAY };
const WHERE = `service_name = '${DASHBOARD_SERVICE}' AND metric_name = '${DASHBOARD_METRIC}'`;

interface Question {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

const series = (params: Record<string, string>): string =>
  `/metrics/timeseries?${new URLSearchParams({ service: DASHBOARD_SERVICE, metric: DASHBOARD_METRIC, from: '-24h', step: '5m', ...params }).toString()}`;

/** The issue's questions (issue 13) that the dashboard's panels do not already ask. */
const EXTRA: readonly Question[] = [
  { name: 'sum by region, 5 min steps', method: 'GET', path: series({ agg: 'sum', group_by: 'region' }) },
  {
    name: 'VQL: top 10 hosts, 24 h',
    method: 'POST',
    path: '/v1/query',
    body: JSON.stringify({
      vql: `SELECT tags.host, avg(value) AS v FROM metrics WHERE ${WHERE} AND timestamp > now() - 24h GROUP BY tags.host ORDER BY v DESC LIMIT 10`,
    }),
  },
  {
    // host has 1,000 values: no tag rollup, the series rows answer.
    name: 'VQL: one host, 5 min steps',
    method: 'POST',
    path: '/v1/query',
    body: JSON.stringify({
      vql: `SELECT time_bucket(5m) AS t, avg(value) FROM metrics WHERE ${WHERE} AND tags.host = 'host-7' AND timestamp > now() - 24h GROUP BY t`,
    }),
  },
  {
    name: 'VQL: avg by region, 5 min steps',
    method: 'POST',
    path: '/v1/query',
    body: JSON.stringify({
      vql: `SELECT time_bucket(5m) AS t, tags.region, avg(value) FROM metrics WHERE ${WHERE} AND timestamp > now() - 24h GROUP BY t, tags.region`,
    }),
  },
];

export const UNCACHED_QUESTIONS: readonly Question[] = [...DASHBOARD_PANELS, ...EXTRA];

export interface QuestionTiming {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
}

/**
 * One client, query cache off: each question asked `rounds` times through the query API
 * (fastify.inject, the store read on the calling thread), after one unmeasured round.
 */
export async function timeQuestions(
  store: Store,
  now: number,
  rounds: number,
): Promise<{ timings: QuestionTiming[]; answers: string[] }> {
  const app = await buildApiServer({
    logger: pino({ level: 'silent' }),
    store,
    metrics: createApiMetrics(new Registry()),
    apiKeys: new ApiKeyVerifier([]),
    retention: RETENTION,
    maxPointsPerSeries: 1000,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
    clock: () => now,
  });
  const ask = async (q: Question): Promise<string> => {
    const res = await app.inject({
      method: q.method,
      url: q.path,
      ...(q.body ? { payload: q.body, headers: { 'content-type': 'application/json' } } : {}),
    });
    if (res.statusCode !== 200) throw new Error(`${q.name}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return res.body;
  };
  const answers: string[] = [];
  for (const q of UNCACHED_QUESTIONS) answers.push(await ask(q));
  const times = UNCACHED_QUESTIONS.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, q] of UNCACHED_QUESTIONS.entries()) {
      const t0 = performance.now();
      await ask(q);
      times[i]?.push(performance.now() - t0);
    }
  }
  await app.close();
  const timings = UNCACHED_QUESTIONS.map((q, i) => {
    const sorted = (times[i] ?? []).sort((a, b) => a - b);
    return { name: q.name, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  });
  return { timings, answers };
}

/** The data set of the dashboard benchmark, written once into `dir` and kept there for later runs. */
async function sqliteStore(
  dir: string,
  log: (s: string) => void,
): Promise<{ store: SqliteStore; end: number }> {
  const path = join(dir, 'vantage.db');
  const meta = join(dir, 'data.json');
  if (!existsSync(meta)) {
    const data: DashboardData = { series: 1_000, hours: 24, end: Math.floor(Date.now() / 60_000) * 60_000 };
    log('  writing 1,000 series x 24 h into SQLite');
    const writer = new SqliteStore({ path, retention: RETENTION });
    const t0 = performance.now();
    await writeDashboardData(writer, data, log);
    await writer.close();
    log(`    written in ${fmt((performance.now() - t0) / 1000)} s`);
    writeFileSync(meta, JSON.stringify(data));
  }
  const { end } = JSON.parse(readFileSync(meta, 'utf8')) as DashboardData;
  return { store: new SqliteStore({ path, retention: RETENTION, queryThreads: 0 }), end };
}

/**
 * Uncached query latency, one client (issue 13): the dashboard's panels and the issue's questions
 * over 1,000 series x 24 h, on SQLite and on ClickHouse. BENCH_UNCACHED_DIR keeps the SQLite file
 * between runs; BENCH_UNCACHED_CH_DATABASE keeps the ClickHouse database.
 */
export async function runUncachedQueryBench(rounds: number, log: (s: string) => void): Promise<string[]> {
  const stores = (process.env.BENCH_UNCACHED_STORES ?? 'sqlite,clickhouse').split(',');
  const keptDir = process.env.BENCH_UNCACHED_DIR;
  const dir = keptDir ?? mkdtempSync(join(tmpdir(), 'vantage-bench-uncached-'));
  const columns: { store: string; timings: QuestionTiming[]; load: number }[] = [];
  // The clock sits 17.3 s into a minute past the data's end, as a user's now would.
  const nowAfter = (end: number): number => end + 17_345;
  try {
    if (stores.includes('sqlite')) {
      const { store, end } = await sqliteStore(dir, log);
      try {
        const load = loadavg()[0] as number;
        const { timings, answers } = await timeQuestions(store, nowAfter(end), rounds);
        if (process.env.BENCH_UNCACHED_ANSWERS)
          writeFileSync(process.env.BENCH_UNCACHED_ANSWERS, answers.join('\n'));
        columns.push({ store: 'SQLite', timings, load });
        log(table(columns, rounds).join('\n'));
      } finally {
        await store.close();
      }
    }
    if (stores.includes('clickhouse')) {
      const url = process.env.CLICKHOUSE_URL;
      if (!url) throw new Error('CLICKHOUSE_URL is not set (see /work/services.env)');
      const kept = process.env.BENCH_UNCACHED_CH_DATABASE;
      const database = kept ?? `bench_uncached_${randomBytes(4).toString('hex')}`;
      const store = new ClickHouseStore({ url, database, retention: RETENTION });
      try {
        await store.migrate();
        const metaPath = join(dir, `clickhouse-${database}.json`);
        if (!existsSync(metaPath)) {
          const data: DashboardData = {
            series: 1_000,
            hours: 24,
            end: Math.floor(Date.now() / 60_000) * 60_000,
          };
          log(`  writing 1,000 series x 24 h into ClickHouse database ${database}`);
          await writeDashboardData(store, data, log);
          writeFileSync(metaPath, JSON.stringify(data));
        }
        const { end } = JSON.parse(readFileSync(metaPath, 'utf8')) as DashboardData;
        const load = loadavg()[0] as number;
        const { timings } = await timeQuestions(store, nowAfter(end), rounds);
        columns.push({ store: 'ClickHouse', timings, load });
      } finally {
        await store.close();
      }
    }
  } finally {
    if (keptDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
  return table(columns, rounds);
}

function table(
  columns: readonly { store: string; timings: readonly QuestionTiming[]; load: number }[],
  rounds: number,
): string[] {
  return [
    '### Uncached queries, one client',
    '',
    `1,000 series x 24 h, one sample per series-minute; query cache off; each question ${rounds} times through the query API, one at a time (load average at start: ${columns.map((c) => `${c.store} ${fmt(c.load, 2)}`).join(', ')}).`,
    '',
    `| question | ${columns.map((c) => `${c.store} p50 ms | ${c.store} p99 ms`).join(' | ')} |`,
    `|---|${columns.map(() => '---|---').join('|')}|`,
    ...UNCACHED_QUESTIONS.map(
      (q, i) =>
        `| ${q.name} | ${columns.map((c) => `${fmt(c.timings[i]?.p50 ?? Number.NaN)} | ${fmt(c.timings[i]?.p99 ?? Number.NaN)}`).join(' | ')} |`,
    ),
    '',
  ];
}

if (process.argv[1]?.endsWith('uncached-query-bench.js')) {
  const rounds = Number(process.env.BENCH_UNCACHED_ROUNDS ?? 15);
  runUncachedQueryBench(rounds, (s) => console.error(s)).then(
    (lines) => console.log(lines.join('\n')),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
