import { QB_METRIC, QB_SERVICE } from './queries-data.js';

/**
 * The questions of the side-by-side query benchmark, each as Vantage's dashboard asks it (REST
 * timeseries, or VQL for the top 10 as the dashboard's top-hosts panel does) and as PromQL.
 * Vantage's step [t, t + 5m) holds the samples PromQL's `f_over_time(x[5m])` sees at t + 5m, so
 * the peers are asked from `from + 5m` and their points moved back 5 minutes.
 */
const STEP = 300_000;

export interface Range {
  readonly label: string;
  readonly ms: number;
}

export const RANGES: readonly Range[] = [
  { label: '1h', ms: 3_600_000 },
  { label: '24h', ms: 86_400_000 },
  { label: '7d', ms: 7 * 86_400_000 },
];

/** An HTTP request to one system. */
export interface Ask {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

/** An answer reduced to compare across systems: group key -> points [start ms, value]. */
export type Answer = Map<string, [number, number][]>;

export interface Question {
  readonly id: string;
  readonly name: string;
  /** The PromQL of the peers; undefined: Vantage only (no per-sample quantile without histograms). */
  readonly promql?: (range: Range) => string;
  /** The tag that names a group in the answer ('' for one series). */
  readonly group: string;
  /** An instant question (one value per group over the whole range) rather than a series per step. */
  readonly instant: boolean;
  readonly vantage: (from: number, to: number) => Ask;
}

const timeseries = (from: number, to: number, params: Record<string, string>): Ask => ({
  method: 'GET',
  path: `/metrics/timeseries?${new URLSearchParams({ service: QB_SERVICE, metric: QB_METRIC, from: String(from), to: String(to), step: '5m', ...params }).toString()}`,
});

export const QUESTIONS: readonly Question[] = [
  {
    id: 'avg',
    name: 'avg over all series',
    group: '',
    instant: false,
    vantage: (from, to) => timeseries(from, to, { agg: 'avg' }),
    promql: () => `avg(avg_over_time(${QB_METRIC}[5m]))`,
  },
  {
    id: 'sum-by',
    name: 'sum by region (4 groups)',
    group: 'region',
    instant: false,
    vantage: (from, to) => timeseries(from, to, { agg: 'sum', group_by: 'region' }),
    promql: () => `sum by (region) (sum_over_time(${QB_METRIC}[5m]))`,
  },
  {
    id: 'filter',
    name: 'max, one region (tag filter)',
    group: '',
    instant: false,
    vantage: (from, to) => timeseries(from, to, { agg: 'max', tags: 'region:r1' }),
    promql: () => `max(max_over_time(${QB_METRIC}{region="r1"}[5m]))`,
  },
  {
    id: 'top10',
    name: 'top 10 hosts by avg over the range',
    group: 'host',
    instant: true,
    vantage: (from, to) => ({
      method: 'POST',
      path: '/v1/query',
      body: JSON.stringify({
        vql: `SELECT tags.host, avg(value) AS v FROM metrics WHERE service_name = '${QB_SERVICE}' AND metric_name = '${QB_METRIC}' AND timestamp >= ${from} AND timestamp < ${to} GROUP BY tags.host ORDER BY v DESC LIMIT 10`,
      }),
    }),
    promql: (range) => `topk(10, avg_over_time(${QB_METRIC}[${range.ms / 60_000}m]))`,
  },
  {
    id: 'p99',
    name: 'p99 over all series (Vantage only)',
    group: '',
    instant: false,
    vantage: (from, to) => timeseries(from, to, { agg: 'p99' }),
  },
];

/** The PromQL request of a question over [from, to); `nocache=1` turns VictoriaMetrics' cache off. */
export function promAsk(q: Question, range: Range, from: number, to: number): Ask {
  const query = q.promql?.(range) ?? '';
  const params: Record<string, string> = q.instant
    ? { query, time: String(to / 1000), nocache: '1' }
    : { query, start: String((from + STEP) / 1000), end: String(to / 1000), step: '300', nocache: '1' };
  return {
    method: 'GET',
    path: `/api/v1/${q.instant ? 'query' : 'query_range'}?${new URLSearchParams(params).toString()}`,
  };
}

interface TimeseriesBody {
  series: { tags: Record<string, string>; points: [number, number][] }[];
}
interface VqlBody {
  rows: (string | number | null)[][];
}
interface PromBody {
  status: string;
  data: {
    result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
  };
}

/** The answer of either API as groups of points, keyed by the question's group tag. */
export function normalize(api: 'vantage' | 'promql', q: Question, text: string): Answer {
  const out: Answer = new Map();
  if (api === 'vantage' && q.instant) {
    for (const row of (JSON.parse(text) as VqlBody).rows) out.set(String(row[0]), [[0, Number(row[1])]]);
  } else if (api === 'vantage') {
    for (const s of (JSON.parse(text) as TimeseriesBody).series) out.set(s.tags[q.group] ?? '', s.points);
  } else {
    const body = JSON.parse(text) as PromBody;
    if (body.status !== 'success') throw new Error(`PromQL failed: ${text.slice(0, 300)}`);
    for (const r of body.data.result) {
      const key = q.group === '' ? '' : (r.metric[q.group] ?? '');
      const points: [number, number][] = q.instant
        ? [[0, Number(r.value?.[1])]]
        : (r.values ?? []).map(([t, v]) => [Math.round(t * 1000) - STEP, Number(v)]);
      out.set(key, points);
    }
  }
  return out;
}

/** What differs between two answers beyond `tolerance` (relative), or undefined when they agree. */
export function difference(a: Answer, b: Answer, tolerance: number): string | undefined {
  const keys = [...a.keys()].sort().join(',');
  if (keys !== [...b.keys()].sort().join(','))
    return `groups differ: [${keys}] vs [${[...b.keys()].sort().join(',')}]`;
  for (const [key, pa] of a) {
    const pb = b.get(key) ?? [];
    if (pa.length !== pb.length) return `group "${key}": ${pa.length} points vs ${pb.length}`;
    for (let i = 0; i < pa.length; i++) {
      const [ta, va] = pa[i] as [number, number];
      const [tb, vb] = pb[i] as [number, number];
      if (ta !== tb) return `group "${key}" point ${i}: at ${ta} vs ${tb}`;
      if (Math.abs(va - vb) > tolerance * Math.max(1, Math.abs(va), Math.abs(vb)))
        return `group "${key}" at ${ta}: ${va} vs ${vb}`;
    }
  }
  return undefined;
}

export const pointCount = (a: Answer): number => [...a.values()].reduce((n, p) => n + p.length, 0);
