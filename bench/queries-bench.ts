import { loadavg } from 'node:os';
import { Pool } from 'undici';
import { hasBinary } from '../test/support/prometheus-process.js';
import type { QueryData } from './queries-data.js';
import { loadClickHouse, loadEmbedded, loadPrometheus, loadVictoria } from './queries-load.js';
import type { Target } from './queries-load.js';
import { concurrent, send, sequential } from './queries-measure.js';
import type { Timing } from './queries-measure.js';
import { QUESTIONS, RANGES, difference, normalize, pointCount, promAsk } from './queries-questions.js';
import type { Answer, Ask, Question, Range } from './queries-questions.js';
import { queriesReport } from './queries-report.js';
import { fmt } from './support.js';

/**
 * Queries without the cache, side by side (issue 13): one data set in embedded Vantage, Vantage on
 * ClickHouse, VictoriaMetrics and Prometheus; the same questions to each, caches off, checked to
 * agree, then timed with one client and with 50.
 */
export interface QueriesOptions {
  /** Series of the 1 h and 24 h questions (1 d of data). */
  readonly series: number;
  /** Series of the 7 d questions (7 d of data, a pass of its own; 0 skips it). */
  readonly weekSeries: number;
  /** Requests one after another per question and range. */
  readonly reps: number;
  readonly clients: number;
  readonly concurrentSeconds: number;
  /** Ranges also measured with `clients` clients (the 7 d case one client only by default). */
  readonly concurrentRanges: readonly string[];
  readonly systems: readonly string[];
}

/**
 * Full scale: 1,000 series x 1 d (1.44 M samples) for 1 h and 24 h, 250 series x 7 d (2.52 M) for
 * 7 d, which keeps loading four systems feasible on 2 cores. BENCH_QUERIES_SCALE=small re-runs
 * quickly: 100 series x 1 d, 20 series x 7 d.
 */
export function queriesOptions(env: NodeJS.ProcessEnv): QueriesOptions {
  const small = env.BENCH_QUERIES_SCALE === 'small';
  const num = (name: string, full: number, quick: number): number =>
    Number(env[name] ?? (small ? quick : full));
  return {
    series: num('BENCH_QUERIES_SERIES', 1_000, 100),
    weekSeries: num('BENCH_QUERIES_WEEK_SERIES', 250, 20),
    reps: num('BENCH_QUERIES_REPS', 10, 5),
    clients: num('BENCH_QUERIES_CLIENTS', 50, 50),
    concurrentSeconds: num('BENCH_QUERIES_CONCURRENT_S', 10, 3),
    concurrentRanges: (env.BENCH_QUERIES_CONCURRENT_RANGES ?? '1h,24h').split(','),
    systems: (env.BENCH_QUERIES_SYSTEMS ?? 'sqlite,clickhouse,victoria,prometheus').split(','),
  };
}

export interface Cell {
  readonly system: string;
  readonly question: Question;
  readonly range: Range;
  readonly series: number;
  readonly points: number;
  readonly one: Timing;
  readonly many?: Timing;
  /** 1-minute load average when this system's one-client run of the case began. */
  readonly load: number;
}

/** One data set's pass: its systems' load times and its cells. */
export interface QueriesPass {
  readonly series: number;
  readonly days: number;
  readonly systems: readonly { name: string; loadSeconds: number }[];
  readonly ranges: readonly Range[];
  readonly cells: readonly Cell[];
}

type Log = (s: string) => void;

const askOf = (t: Target, q: Question, r: Range, end: number): Ask =>
  t.api === 'vantage' ? q.vantage(end - r.ms, end) : promAsk(q, r, end - r.ms, end);
const applies = (t: Target, q: Question): boolean => t.api === 'vantage' || q.promql !== undefined;

/** Every system's answer to every question, checked against each other; throws on disagreement. */
async function verify(
  targets: readonly Target[],
  ranges: readonly Range[],
  d: QueryData,
  log: Log,
): Promise<Map<string, number>> {
  const points = new Map<string, number>();
  for (const range of ranges) {
    for (const q of QUESTIONS) {
      const answers: { target: Target; answer: Answer }[] = [];
      for (const t of targets.filter((x) => applies(x, q))) {
        const pool = new Pool(t.url, { connections: 1 });
        const ask = askOf(t, q, range, d.end);
        const reply = await send(pool, ask).finally(() => pool.close());
        if (reply.status !== 200)
          throw new Error(
            `${t.name}, ${q.name}, ${range.label}: ${reply.status} ${reply.text.slice(0, 300)}`,
          );
        if (t.api === 'vantage' && reply.cache !== 'off')
          throw new Error(`${t.name}: cache is "${reply.cache}", not off`);
        answers.push({ target: t, answer: normalize(t.api, q, reply.text) });
      }
      const [first, ...rest] = answers;
      if (first === undefined) continue;
      const groups = q.instant ? 10 : q.group === 'region' ? 4 : 1;
      const expected = q.instant ? 10 : groups * (range.ms / 300_000);
      // Percentiles come from sketches (relative error about 1 %); everything else is exact arithmetic.
      const tolerance = q.id === 'p99' ? 0.02 : 1e-6;
      for (const { target, answer } of answers) {
        if (answer.size !== groups || pointCount(answer) !== expected)
          throw new Error(
            `${target.name}, ${q.name}, ${range.label}: ${answer.size} groups, ${pointCount(answer)} points; expected ${groups} and ${expected}`,
          );
      }
      for (const { target, answer } of rest) {
        const diff = difference(first.answer, answer, tolerance);
        if (diff !== undefined)
          throw new Error(
            `${q.name}, ${range.label}: ${first.target.name} and ${target.name} disagree: ${diff}`,
          );
      }
      points.set(`${q.id}/${range.label}`, expected);
      log(`  agree: ${q.name}, ${range.label} (${answers.length} systems, ${expected} points)`);
    }
  }
  return points;
}

/** Loads `series` x `days` into each system, checks their answers agree, then times the `ranges`. */
export async function runQueriesPass(
  o: QueriesOptions,
  series: number,
  days: number,
  ranges: readonly Range[],
  log: Log,
): Promise<QueriesPass> {
  const minutes = days * 1440;
  const d: QueryData = { series, minutes, end: Math.floor(Date.now() / 300_000) * 300_000 - 300_000 };
  const loaders: [string, (d: QueryData, log: Log) => Promise<Target>][] = [
    ['sqlite', loadEmbedded],
    ['clickhouse', loadClickHouse],
    ['victoria', loadVictoria],
    ['prometheus', loadPrometheus],
  ];
  const targets: Target[] = [];
  try {
    for (const [id, load] of loaders) {
      if (!o.systems.includes(id)) continue;
      if (id === 'victoria' && !hasBinary('victoria-metrics'))
        throw new Error('victoria-metrics is not installed (bash scripts/install-prometheus.sh)');
      if (id === 'prometheus' && !hasBinary('promtool'))
        throw new Error('prometheus is not installed (bash scripts/install-prometheus.sh)');
      log(
        `  loading ${fmt(series)} series x ${fmt(minutes)} minutes (${fmt(series * minutes)} samples) into ${id}`,
      );
      const t = await load(d, log);
      targets.push(t);
      log(`  ${t.name}: loaded and settled in ${fmt(t.loadSeconds)} s`);
    }
    const points = await verify(targets, ranges, d, log);
    const cells: Cell[] = [];
    for (const t of targets) {
      for (const range of ranges) {
        for (const q of QUESTIONS.filter((x) => applies(t, x))) {
          const ask = askOf(t, q, range, d.end);
          const load = loadavg()[0] as number;
          const one = await sequential(t.url, ask, o.reps);
          const many = o.concurrentRanges.includes(range.label)
            ? await concurrent(t.url, ask, o.clients, o.concurrentSeconds * 1000)
            : undefined;
          cells.push({
            system: t.name,
            question: q,
            range,
            series,
            points: points.get(`${q.id}/${range.label}`) ?? 0,
            one,
            ...(many ? { many } : {}),
            load,
          });
          log(
            `  ${t.name}, ${q.name}, ${range.label}: 1 client p50 ${fmt(one.p50)} ms, p99 ${fmt(one.p99)} ms` +
              (many
                ? `; ${o.clients} clients p99 ${fmt(many.p99)} ms, ${fmt(many.perSecond, 1)} req/s`
                : '') +
              ` (load ${fmt(load, 2)})`,
          );
        }
      }
    }
    return {
      series,
      days,
      systems: targets.map((t) => ({ name: t.name, loadSeconds: t.loadSeconds })),
      ranges,
      cells,
    };
  } finally {
    for (const t of targets) await t.stop();
  }
}

export async function queriesSection(log: Log): Promise<string[]> {
  const o = queriesOptions(process.env);
  log(
    `queries: ${fmt(o.series)} series x 1 d and ${fmt(o.weekSeries)} x 7 d in ${o.systems.join(', ')}; caches off; 1 client x ${o.reps}, ${o.clients} clients x ${o.concurrentSeconds} s`,
  );
  const day = RANGES.filter((r) => r.label !== '7d');
  const week = RANGES.filter((r) => r.label === '7d');
  const passes: QueriesPass[] = [];
  // Each pass's tables are logged as soon as it ends: the 7 d pass may outlast the time at hand.
  for (const [series, days, ranges] of [
    [o.series, 1, day],
    [o.weekSeries, 7, week],
  ] as const) {
    if (series === 0) continue;
    passes.push(await runQueriesPass(o, series, days, ranges, log));
    log(queriesReport(o, passes).join('\n'));
  }
  return queriesReport(o, passes);
}
