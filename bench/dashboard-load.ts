import { Pool } from 'undici';
import { DASHBOARD_METRIC, DASHBOARD_SERVICE } from './dashboard-data.js';
import { percentile } from './support.js';

/** One panel of a dashboard over the last 24 h: how the browser asks for it. */
interface Panel {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

const series = (params: Record<string, string>): string =>
  `/metrics/timeseries?${new URLSearchParams({ service: DASHBOARD_SERVICE, metric: DASHBOARD_METRIC, from: '-24h', step: '5m', ...params }).toString()}`;
const vql = (text: string): Pick<Panel, 'method' | 'path' | 'body'> => ({
  method: 'POST',
  path: '/v1/query',
  body: JSON.stringify({ vql: text }),
});
const WHERE = `service_name = '${DASHBOARD_SERVICE}' AND metric_name = '${DASHBOARD_METRIC}'`;

/** A service dashboard over the last 24 hours: seven panels, each a request of its own. */
export const DASHBOARD_PANELS: readonly Panel[] = [
  { name: 'avg, all series, 5 min steps', method: 'GET', path: series({ agg: 'avg' }) },
  { name: 'p99, all series, 5 min steps', method: 'GET', path: series({ agg: 'p99' }) },
  { name: 'avg by region (4 series)', method: 'GET', path: series({ agg: 'avg', group_by: 'region' }) },
  { name: 'max, one region (tag filter)', method: 'GET', path: series({ agg: 'max', tags: 'region:r1' }) },
  {
    name: 'VQL: avg and p95 per region',
    ...vql(
      `SELECT tags.region, avg(value), p95(value) FROM metrics WHERE ${WHERE} AND timestamp > now() - 24h GROUP BY tags.region`,
    ),
  },
  {
    name: 'VQL: top 10 hosts, last hour',
    ...vql(
      `SELECT tags.host, avg(value) AS v FROM metrics WHERE ${WHERE} AND timestamp > now() - 1h GROUP BY tags.host ORDER BY v DESC LIMIT 10`,
    ),
  },
  {
    name: 'VQL: hourly max',
    ...vql(
      `SELECT time_bucket(1h) AS hour, max(value) FROM metrics WHERE ${WHERE} AND timestamp > now() - 24h GROUP BY hour`,
    ),
  },
];

export interface PanelLatency {
  readonly name: string;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Share of answers the server said came from its cache (X-Vantage-Cache: hit). */
  readonly hitRatio: number;
  readonly panels: readonly PanelLatency[];
}

/**
 * `clients` dashboard viewers at once, each loading the panels one after another and starting
 * over (a closed loop: a client sends its next request when the last one is answered), for
 * `durationMs`. Each panel is asked once first, unmeasured, to check that it answers.
 */
export async function runDashboardLoad(
  apiUrl: string,
  clients: number,
  durationMs: number,
): Promise<LoadResult> {
  const pool = new Pool(apiUrl, { connections: clients, pipelining: 1 });
  const ask = async (panel: Panel): Promise<{ ok: boolean; hit: boolean; text: string }> => {
    const res = await pool.request({
      method: panel.method,
      path: panel.path,
      ...(panel.body ? { body: panel.body, headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.body.text();
    return { ok: res.statusCode === 200, hit: res.headers['x-vantage-cache'] === 'hit', text };
  };
  for (const panel of DASHBOARD_PANELS) {
    const answer = await ask(panel);
    if (!answer.ok) throw new Error(`panel "${panel.name}" failed: ${answer.text.slice(0, 500)}`);
  }

  const times = DASHBOARD_PANELS.map((): number[] => []);
  let errors = 0;
  let hits = 0;
  let lastError = '';
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = client; performance.now() < deadline; i++) {
        const p = i % DASHBOARD_PANELS.length;
        const t0 = performance.now();
        const answer = await ask(DASHBOARD_PANELS[p] as Panel);
        (times[p] as number[]).push(performance.now() - t0);
        if (!answer.ok) {
          errors++;
          lastError = answer.text.slice(0, 300);
        }
        if (answer.hit) hits++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  await pool.close();
  if (errors > 0) console.error(`  ${errors} errors; the last: ${lastError}`);
  const all = times.flat().sort((a, b) => a - b);
  return {
    requests: all.length,
    errors,
    perSecond: (all.length / elapsed) * 1000,
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    max: all[all.length - 1] ?? Number.NaN,
    hitRatio: hits / Math.max(1, all.length),
    panels: DASHBOARD_PANELS.map((panel, p) => {
      const sorted = (times[p] as number[]).sort((a, b) => a - b);
      return {
        name: panel.name,
        requests: sorted.length,
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
      };
    }),
  };
}
