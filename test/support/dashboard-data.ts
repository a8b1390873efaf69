import type { Page } from 'playwright-core';
import { eventually, postMetrics } from './http.js';
import type { TestMetric } from './http.js';

/**
 * The data the dashboard's end-to-end tests send, with the numbers each view must then show.
 * Twenty whole minutes ending with the last complete one, one sample per series and minute, so
 * every expected value can be written down:
 * - `shop`: 120 requests and 6 errors a minute on /a (2 req/s, 5 % errors); latency 100 + i ms on
 *   /a and 200 + i ms on /b in minute i (1..20); a `queue_depth` gauge of 10.
 * - `shop-v2`: 60 requests and no errors a minute; latency 300 + i ms on /a.
 */
export const MINUTE = 60_000;
export const MINUTES = 20;

export interface DashboardData {
  /** Start of minute i (1..20). */
  readonly minute: (i: number) => number;
  readonly samples: number;
}

export function dashboardMetrics(now: number): { metrics: TestMetric[]; data: DashboardData } {
  const current = Math.floor(now / MINUTE) * MINUTE;
  const minute = (i: number): number => current - (MINUTES + 1 - i) * MINUTE;
  const metrics: TestMetric[] = [];
  for (let i = 1; i <= MINUTES; i++) {
    const timestamp = minute(i) + 30_000;
    const counter = (service: string, name: string, value: number): TestMetric => ({
      service,
      name,
      value,
      timestamp,
      type: 'counter',
      tags: { route: '/a' },
    });
    metrics.push(
      counter('shop', 'http_requests_total', 120),
      counter('shop', 'http_errors_total', 6),
      { service: 'shop', name: 'http_request_duration_ms', value: 100 + i, timestamp, tags: { route: '/a' } },
      { service: 'shop', name: 'http_request_duration_ms', value: 200 + i, timestamp, tags: { route: '/b' } },
      { service: 'shop', name: 'queue_depth', value: 10, timestamp },
      counter('shop-v2', 'http_requests_total', 60),
      counter('shop-v2', 'http_errors_total', 0),
      {
        service: 'shop-v2',
        name: 'http_request_duration_ms',
        value: 300 + i,
        timestamp,
        tags: { route: '/a' },
      },
    );
  }
  return { metrics, data: { minute, samples: metrics.length } };
}

/** Sends the data and waits until the store answers with all of it. */
export async function sendDashboardData(
  collector: string,
  api: string,
  headers: Record<string, string> = {},
): Promise<DashboardData> {
  const { metrics, data } = dashboardMetrics(Date.now());
  const res = await postMetrics(collector, metrics, headers);
  if (res.status !== 202) throw new Error(`collector answered ${res.status}: ${await res.text()}`);
  await eventually(
    async () => {
      const q = new URLSearchParams({ service: 'shop-v2', metric: 'http_request_duration_ms', from: '-1h' });
      const answer = await fetch(`${api}/metrics/timeseries?${q.toString()}`, { headers });
      if (!answer.ok) return undefined;
      const { series } = (await answer.json()) as { series: { points: unknown[] }[] };
      return series[0]?.points.length === MINUTES ? true : undefined;
    },
    20_000,
    'the dashboard data to be stored',
  );
  return data;
}

/** What a chart holds, per series, as TimeSeriesChart writes it on `data-summary`. */
export interface ChartSummary {
  label: string;
  points: number;
  first: [number, number] | null;
  last: [number, number] | null;
  min: number | null;
  max: number | null;
}

export async function chartSummary(page: Page, selector: string): Promise<ChartSummary[]> {
  const text = await page
    .locator(`${selector} [data-testid="timeseries-chart"]`)
    .getAttribute('data-summary');
  return JSON.parse(text ?? '[]') as ChartSummary[];
}

/** Waits until the chart under `selector` holds what `check` wants, and returns its summary. */
export async function waitForChart(
  page: Page,
  selector: string,
  check: (summary: ChartSummary[]) => boolean,
  timeoutMs = 15_000,
): Promise<ChartSummary[]> {
  const chart = page.locator(`${selector} [data-testid="timeseries-chart"]`);
  await chart.waitFor({ timeout: timeoutMs });
  let last: ChartSummary[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    last = JSON.parse((await chart.getAttribute('data-summary')) ?? '[]') as ChartSummary[];
    if (check(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`chart ${selector} never held the data; last: ${JSON.stringify(last)}`);
    await page.waitForTimeout(100);
  }
}
