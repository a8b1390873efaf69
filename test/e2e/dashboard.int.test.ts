import { beforeAll, describe, expect, it } from 'vitest';
import type { PageOptions } from '../support/browser.js';
import { dashboardSession } from '../support/dashboard-session.js';
import { MINUTE, MINUTES, sendDashboardData, waitForChart } from '../support/dashboard-data.js';
import type { DashboardData } from '../support/dashboard-data.js';
import { postMetrics, timeseries } from '../support/http.js';
import { formatTime } from '../../web/src/time/format.js';

/**
 * The dashboard in a real browser (Chromium) against `vantage start`: each view shows the numbers
 * that were sent, live mode appends a point without a reload, a bad query is marked where it is
 * wrong, and no page logs an error.
 */
const session = dashboardSession({ name: 'e2e' });
const open = (path: string, options?: PageOptions) => session.open(path, options);
let data: DashboardData;

/** Waits for what the page shows to settle on the expected value. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

beforeAll(async () => {
  data = await sendDashboardData(session.vantage.collector, session.vantage.api);
});

describe('dashboard: overview', () => {
  it('lists every service worst first, with its health score, reasons and sparklines of what was sent', async () => {
    const { page } = await open('/');
    const rows = page.locator('[data-testid="overview-table"] tbody tr');
    await poll(() => rows.count()).toBe(2);
    // shop fails 5 % of its requests, shop-v2 none: shop is worse, so first.
    await poll(() => rows.first().getAttribute('data-service')).toBe('shop');
    const shop = page.locator('tr[data-service="shop"]');
    const v2 = page.locator('tr[data-service="shop-v2"]');
    await shop.locator('[data-testid="health-score"]').waitFor();
    expect(Number(await shop.getAttribute('data-score'))).toBeLessThan(
      Number(await v2.getAttribute('data-score')),
    );
    expect(await shop.locator('.reasons').textContent()).toContain('error rate 5');

    const sparks = shop.locator('[data-testid="sparkline"]');
    await poll(() => sparks.count()).toBe(3);
    const [throughput, errorRate, p99] = [sparks.nth(0), sparks.nth(1), sparks.nth(2)];
    expect(await throughput.getAttribute('data-points')).toBe(String(MINUTES));
    expect(Number(await throughput.getAttribute('data-last'))).toBeCloseTo(2, 6); // 120 per minute
    expect(Number(await errorRate.getAttribute('data-last'))).toBeCloseTo(0.05, 6); // 6 of 120
    // p99 as the store computes it for the last minute (a sketch over its two latencies).
    const [stored] = await timeseries(session.vantage.api, {
      service: 'shop',
      metric: 'http_request_duration_ms',
      agg: 'p99',
      step: '1m',
      from: '-1h',
    });
    const lastStored = stored?.points.at(-1);
    expect(lastStored?.[0]).toBe(data.minute(MINUTES));
    expect(Number(await p99.getAttribute('data-last'))).toBeCloseTo(lastStored?.[1] as number, 6);
    expect(await p99.getAttribute('data-points')).toBe(String(MINUTES));

    await shop.getByRole('link', { name: 'shop', exact: true }).click();
    await page.waitForURL(/\/services\/shop$/);
    await page.getByRole('heading', { name: 'shop', level: 1 }).waitFor();
  });
});

describe('dashboard: service view', () => {
  it('charts each metric, one line per tag value, with the values sent', async () => {
    const { page } = await open('/services/shop?group_by=route');
    const lines = await waitForChart(page, '[data-metric="http_request_duration_ms"]', (s) => s.length === 2);
    expect(lines.map((l) => l.label)).toEqual(['route=/a', 'route=/b']);
    expect(lines[0]).toMatchObject({
      points: MINUTES,
      min: 101,
      max: 100 + MINUTES,
      last: [data.minute(MINUTES), 120],
    });
    expect(lines[1]).toMatchObject({
      points: MINUTES,
      min: 201,
      max: 200 + MINUTES,
      first: [data.minute(1), 201],
    });
    const requests = await waitForChart(page, '[data-metric="http_requests_total"]', (s) => s.length === 1);
    expect(requests[0]).toMatchObject({ label: 'route=/a', points: MINUTES, min: 2, max: 2 }); // rate: 120 a minute
    // Each chart says its unit: from the metric's name, and per second for a counter's rate.
    const unit = (metric: string) =>
      page.locator(`[data-metric="${metric}"] [data-testid="timeseries-chart"]`).getAttribute('data-unit');
    expect(await unit('http_request_duration_ms')).toBe('ms');
    expect(await unit('http_requests_total')).toBe('/s');
    expect(await unit('queue_depth')).toBe('');
  });

  it('leaves out the minute in progress where it is not live: service charts and the overview', async () => {
    // The samples for the minute in progress must still be in progress when the pages ask.
    const into = Date.now() % MINUTE;
    if (into > 45_000) await new Promise((r) => setTimeout(r, MINUTE - into + 1000));
    const current = Math.floor(Date.now() / MINUTE) * MINUTE;
    const counter = (name: string, timestamp: number, value: number, tags?: Record<string, string>) => ({
      service: 'shop',
      name,
      value,
      timestamp,
      type: 'counter' as const,
      ...(tags ? { tags } : {}),
    });
    const sent = Array.from({ length: MINUTES }, (_, i) =>
      counter('jobs_total', data.minute(i + 1) + 30_000, 60),
    );
    // So far this minute: 6 jobs and 12 requests, 0.1/s and 0.2/s were they drawn as a whole minute.
    sent.push(counter('jobs_total', current + 1000, 6));
    sent.push(counter('http_requests_total', current + 1000, 12, { route: '/a' }));
    expect((await postMetrics(session.vantage.collector, sent)).status).toBe(202);
    // The store has the minute in progress (and the API answers it): the charts must not draw it.
    await expect
      .poll(
        async () => {
          const [line] = await timeseries(session.vantage.api, {
            service: 'shop',
            metric: 'jobs_total',
            agg: 'rate',
          });
          return line?.points.at(-1);
        },
        { timeout: 15_000, interval: 100 },
      )
      .toEqual([current, 0.1]);

    const { page } = await open('/services/shop');
    const card = '[data-metric="jobs_total"]';
    const lines = await waitForChart(page, card, (s) => (s[0]?.points ?? 0) > 0);
    expect(lines[0]).toMatchObject({ points: MINUTES, last: [data.minute(MINUTES), 1], min: 1, max: 1 });
    expect(await page.locator(`${card} .card-foot`).textContent()).toContain(`to ${formatTime(current)}`);

    await page.goto(`${session.vantage.api}/`);
    const throughput = page.locator('tr[data-service="shop"] [data-testid="sparkline"]').first();
    await throughput.waitFor();
    expect(await throughput.getAttribute('data-points')).toBe(String(MINUTES));
    expect(Number(await throughput.getAttribute('data-last'))).toBeCloseTo(2, 6);
  });

  it('keeps the aggregation and time range in the URL, relative and absolute', async () => {
    const { page } = await open('/services/shop');
    const card = '[data-metric="http_request_duration_ms"]';
    // Ungrouped average of /a and /b: 150 + i.
    await waitForChart(page, card, (s) => s[0]?.last?.[1] === 150 + MINUTES);
    await page.locator(`${card} select`).selectOption('max');
    await page.waitForURL(/agg\.http_request_duration_ms=max/);
    await waitForChart(page, card, (s) => s[0]?.last?.[1] === 200 + MINUTES);

    // An absolute window of minutes 5 to 10 (the end is exclusive).
    const from = new Date(data.minute(5)).toISOString();
    const to = new Date(data.minute(11)).toISOString();
    await page.goto(`${session.vantage.api}/services/shop?from=${from}&to=${to}`);
    const window = await waitForChart(page, card, (s) => s[0]?.points === 6);
    expect(window[0]).toMatchObject({ first: [data.minute(5), 155], last: [data.minute(10), 160] });
    await poll(() => page.getByRole('button', { name: 'Custom' }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('input[type="datetime-local"]').count()).toBe(2);
    expect(await page.getByLabel('Live').isDisabled()).toBe(true);

    await page.getByRole('button', { name: '15m' }).click();
    await page.waitForURL(/from=-15m/);
    const recent = await waitForChart(
      page,
      card,
      (s) => (s[0]?.points ?? 0) > 0 && (s[0]?.points ?? 0) < MINUTES,
    );
    expect(recent[0]?.last).toEqual([data.minute(MINUTES), 150 + MINUTES]);
  });

  it('appends a live point from the stream without reloading the page', async () => {
    const { page } = await open('/services/shop?live=1');
    const card = '[data-metric="queue_depth"]';
    await waitForChart(page, card, (s) => s[0]?.points === MINUTES);
    await page.locator(`${card} [data-testid="live-on"]`).waitFor({ timeout: 15_000 });
    // Drawn, not only held: the x span on the canvas covers the stored minutes.
    const chart = page.locator(`${card} [data-testid="timeseries-chart"]`);
    await poll(async () => (await chart.getAttribute('data-drawn-x')) ?? '').toMatch(/^\d+,\d+$/);
    const [drawnFrom, drawnTo] = ((await chart.getAttribute('data-drawn-x')) ?? '').split(',').map(Number);
    expect(drawnFrom).toBeLessThanOrEqual(data.minute(1));
    expect(drawnFrom).toBeGreaterThan(data.minute(1) - 2 * 60 * MINUTE); // the hour asked for, not 1970
    expect(drawnTo).toBeGreaterThanOrEqual(data.minute(MINUTES));
    expect(drawnTo).toBeLessThan(data.minute(MINUTES) + 60 * MINUTE);
    await page.evaluate('window.loadedOnce = true');

    // A sample in the next minute: a step the stream owns from its start (see LiveSeries).
    const next = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE;
    const res = await postMetrics(session.vantage.collector, [
      { service: 'shop', name: 'queue_depth', value: 777, timestamp: next + 1000 },
      { service: 'shop', name: 'queue_depth', value: 333, timestamp: next + 2000 },
    ]);
    expect(res.status).toBe(202);
    const live = await waitForChart(page, card, (s) => s[0]?.last?.[0] === next);
    expect(live[0]).toMatchObject({ points: MINUTES + 1, last: [next, 555], max: 555 }); // avg of 777 and 333
    // Live, the step still filling is drawn, but apart from the finished ones.
    const progress = await chart.getAttribute('data-in-progress-from');
    expect(Number(progress)).toBeGreaterThan(data.minute(MINUTES));
    expect(Number(progress)).toBeLessThanOrEqual(next);
    expect(await page.evaluate('window.loadedOnce')).toBe(true);
  });
});

describe('dashboard: explore', () => {
  const badQuery = 'SELECT service_name,\n  avgg(value)\nFROM metrics\nGROUP BY service_name';

  it('shows a refused query’s error at its position in the text', async () => {
    const { page } = await open('/explore', { expectedErrors: [/\/v1\/query/] });
    await page.getByTestId('vql-input').fill(badQuery);
    await page.getByTestId('vql-run').click();
    const error = page.getByTestId('vql-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/Line 2, column 3:.*avgg.*VTG_VQL_UNKNOWN_FUNCTION/s);
    expect(await page.getByTestId('vql-error-mark').textContent()).toBe('avgg');
    expect(await page.getByTestId('vql-input').getAttribute('aria-invalid')).toBe('true');
    expect(new URL(page.url()).searchParams.get('q')).toBe(badQuery);
  });

  it('draws a time-grouped answer as a chart and a table, and its link reproduces it', async () => {
    const vql =
      "SELECT time_bucket(1m) AS minute, tags.route, avg(value) FROM metrics WHERE service_name = 'shop' " +
      "AND metric_name = 'http_request_duration_ms' AND timestamp > now() - 1h GROUP BY minute, tags.route ORDER BY minute";
    const { page } = await open(`/explore?q=${encodeURIComponent(vql)}`);
    const lines = await waitForChart(page, '[data-testid="vql-result"]', (s) => s.length === 2);
    expect(lines.map((l) => l.label)).toEqual(['/a', '/b']);
    expect(lines[1]).toMatchObject({ points: MINUTES, last: [data.minute(MINUTES), 200 + MINUTES] });
    expect(await page.getByTestId('vql-stats').textContent()).toContain(`${2 * MINUTES} rows`);

    await page.getByRole('tab', { name: 'Table' }).click();
    await page.waitForURL(/view=table/);
    const rows = page.locator('[data-testid="data-table"] tbody tr');
    await poll(() => rows.count()).toBe(2 * MINUTES);
    expect(await rows.last().locator('td').nth(2).getAttribute('data-value')).toBe(String(200 + MINUTES));

    // The address alone brings the same answer back.
    const link = page.url();
    const again = await open(link.slice(session.vantage.api.length));
    await again.page
      .locator('[data-testid="data-table"] tbody tr')
      .nth(2 * MINUTES - 1)
      .waitFor();
    expect(await again.page.getByTestId('vql-input').inputValue()).toBe(vql);
  });

  it('runs an example query', async () => {
    const { page } = await open('/explore');
    await page.getByRole('button', { name: 'Requests per second per route' }).click();
    await page.waitForURL(/q=SELECT/);
    const rows = page.locator('[data-testid="data-table"] tbody tr');
    await poll(() => rows.count()).toBe(2); // shop and shop-v2, route /a
  });
});

describe('dashboard: compare', () => {
  it('overlays both sides and shows their numbers and the significance of the difference', async () => {
    const { page } = await open('/compare');
    await page.getByLabel('Metric').fill('http_request_duration_ms');
    await page.getByLabel('Side A (baseline)').fill('service:shop');
    await page.getByLabel('Side B').fill('service:shop-v2');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/a=service%3Ashop&b=service%3Ashop-v2/);

    const lines = await waitForChart(page, '[data-testid="compare-result"]', (s) => s.length === 2);
    // Per-step means: A (/a and /b together) 150 + i, B 300 + i.
    expect(lines[0]).toMatchObject({
      label: 'A service:shop',
      points: MINUTES,
      min: 151,
      max: 150 + MINUTES,
    });
    expect(lines[1]).toMatchObject({
      label: 'B service:shop-v2',
      points: MINUTES,
      min: 301,
      max: 300 + MINUTES,
    });
    const mean = page.locator('[data-testid="compare-table"] tr[data-row="mean"] td');
    expect(Number(await mean.nth(0).getAttribute('data-value'))).toBeCloseTo(150 + (MINUTES + 1) / 2, 6);
    expect(Number(await mean.nth(1).getAttribute('data-value'))).toBeCloseTo(300 + (MINUTES + 1) / 2, 6);
    expect(await page.getByTestId('compare-verdict').getAttribute('data-significant')).toBe('true');
    expect(await page.getByTestId('compare-significance').textContent()).toContain(
      `${MINUTES} (A), ${MINUTES} (B)`,
    );
    await poll(() => page.getByTestId('stat-bars').getAttribute('data-drawn-bars')).toBe('8');
  });

  it('shows the API’s error in place when a side is malformed', async () => {
    const { page } = await open('/compare?metric=http_request_duration_ms&a=shop&b=service:shop-v2', {
      expectedErrors: [/\/v1\/compare/],
    });
    const error = page.getByRole('alert');
    await error.waitFor();
    expect(await error.textContent()).toContain('VTG_QUERY_INVALID_PARAMETER');
  });
});

describe('dashboard: pipeline health', () => {
  it('shows each role up, the breaker closed and the samples accepted', async () => {
    const { page } = await open('/pipeline');
    const targets = page.locator('[data-testid="pipeline-targets"] [data-up="true"]');
    await poll(() => targets.count()).toBe(2);
    await poll(() => page.getByTestId('circuit-breaker').textContent()).toBe('closed');
    const accepted = page.locator('[data-testid="pipeline-collector"] [data-stat="samples accepted"]');
    expect(Number(await accepted.getAttribute('data-value'))).toBeGreaterThanOrEqual(data.samples);
    // The worker keeps up: no stall warning (test/pipeline-stall.int.test.ts shows one).
    expect(await page.getByTestId('pipeline-stalled').count()).toBe(0);
  });
});

describe('dashboard: themes and widths', () => {
  it('switches to the dark theme and remembers it', async () => {
    const { page } = await open('/');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.reload();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
  });

  it('follows the system’s dark preference on a first visit', async () => {
    const { page } = await open('/', { theme: 'dark' });
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
  });

  it('fits a phone’s width without sideways scrolling', async () => {
    const compare = '/compare?metric=http_request_duration_ms&a=service:shop&b=service:shop-v2';
    for (const path of ['/', '/services/shop?group_by=route', '/explore', '/compare', compare, '/pipeline']) {
      const { page } = await open(path, { width: 390, height: 844 });
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, `${path} at 390 px`).toBeLessThanOrEqual(0);
    }
  });
});

describe('dashboard: serving', () => {
  it('serves hashed assets as immutable and the app for its own addresses, but JSON 404s for API paths', async () => {
    const index = await fetch(`${session.vantage.api}/services/shop`);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${session.vantage.api}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${session.vantage.api}/v1/no-such-route`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('VTG_HTTP_NOT_FOUND');
    expect((await fetch(`${session.vantage.api}/assets/no-such-file.js`)).status).toBe(404);
  });
});
