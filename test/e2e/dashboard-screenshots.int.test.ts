import { execFile } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage } from '../support/browser.js';
import type { PageOptions } from '../support/browser.js';
import { dashboardSession } from '../support/dashboard-session.js';
import { eventually } from '../support/http.js';
import { sendTraceData } from '../support/trace-data.js';
import type { TraceData } from '../support/trace-data.js';
import { CLI, REPO_ROOT, startVantageProcess } from '../support/vantage-process.js';

/**
 * Every view with the demo data (`vantage send-test-metrics`), in the light and dark themes and at
 * a phone's width, saved as screenshots once it shows its data and logged no error. They go to
 * .cache/screenshots; `VANTAGE_SCREENSHOTS_DIR=docs/screenshots` refreshes the README's.
 */
const OUT = resolve(REPO_ROOT, process.env.VANTAGE_SCREENSHOTS_DIR ?? '.cache/screenshots');
const DEMO_RULES = `groups:
  - name: latency
    interval: 5s
    rules:
      - alert: LatencyHigh
        vql: >-
          SELECT service_name, p99(value) FROM metrics
          WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 3h
          GROUP BY service_name
        condition: '> 0'
        labels: { severity: warning }
        annotations: { summary: 'p99 {{ $value }} ms on {{ $labels.service_name }}' }
`;
const session = dashboardSession({
  name: 'e2e-shots',
  // A rule over the demo data, so that the Alerts view and the service charts have alerts to show.
  start: async (dir) => {
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'latency.yml'), DEMO_RULES);
    return startVantageProcess(join(dir, 'data'), ['--rules-dir', rulesDir, '--worker-linger', '20ms']);
  },
});
let traces: TraceData;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  const { vantage } = session;
  await promisify(execFile)(process.execPath, [
    CLI,
    'send-test-metrics',
    '--endpoint',
    vantage.collector,
    '--hours',
    '3',
    '--live',
    '0',
  ]);
  traces = await sendTraceData(vantage.otlpHttp, vantage.api);
  await eventually(
    async () => {
      const res = await fetch(`${vantage.api}/v1/services`);
      const body = (await res.json()) as { services: unknown[] };
      return body.services.length >= 4 ? true : undefined;
    },
    20_000,
    'the demo services',
  );
  await eventually(
    async () => {
      const res = await fetch(`${vantage.api}/v1/alerts`);
      const body = (await res.json()) as { alerts: { state: string }[] };
      return body.alerts.some((a) => a.state === 'firing') ? true : undefined;
    },
    30_000,
    'the demo alert to fire',
  );
}, 120_000);

const p99ByService = encodeURIComponent(
  "SELECT time_bucket(1m) AS minute, service_name, p99(value)\nFROM metrics\nWHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 3h\nGROUP BY minute, service_name\nORDER BY minute",
);

/** `path` is a function where it names data sent in beforeAll; `chart: false` for views without uPlot charts. */
const SHOTS: {
  name: string;
  path: string | (() => string);
  ready: string;
  options?: PageOptions;
  chart?: false;
  /** What to do on the page before the shot, once `ready` shows. */
  act?: (page: Page) => Promise<void>;
}[] = [
  { name: 'overview-light', path: '/', ready: '[data-testid="sparkline"]' },
  { name: 'overview-dark', path: '/', ready: '[data-testid="sparkline"]', options: { theme: 'dark' } },
  {
    name: 'service-light',
    path: '/services/checkout?from=-3h&group_by=route',
    ready: '[data-testid="timeseries-chart"]',
  },
  {
    name: 'service-dark',
    path: '/services/payments?from=-3h&agg.http_request_duration_ms=p99',
    ready: '[data-testid="timeseries-chart"]',
    options: { theme: 'dark' },
  },
  { name: 'explore-light', path: `/explore?q=${p99ByService}`, ready: '[data-testid="timeseries-chart"]' },
  {
    name: 'compare-dark',
    path: '/compare?metric=http_request_duration_ms&a=service:checkout&b=service:payments&from=-3h',
    ready: '[data-testid="stat-bars"][data-drawn-bars="8"]',
    options: { theme: 'dark' },
  },
  // The trends start with the second poll, 5 s after the first.
  { name: 'pipeline-light', path: '/pipeline', ready: '[data-testid="pipeline-trend"] [data-drawn-x]' },
  { name: 'traces-light', path: '/traces', ready: '[data-testid="duration-histogram"]', chart: false },
  {
    name: 'trace-dark',
    path: () => `/traces/${traces.checkout}?span=${traces.span.charge}`,
    ready: '[data-testid="span-details"]',
    options: { theme: 'dark' },
    chart: false,
  },
  { name: 'service-map-light', path: '/service-map', ready: '[data-testid="service-map"]', chart: false },
  { name: 'alerts-light', path: '/alerts', ready: '[data-testid="alerts-table"]', chart: false },
  {
    name: 'alerts-history-dark',
    path: '/alerts?tab=history&from=-1h',
    ready: '[data-testid="history-table"]',
    options: { theme: 'dark' },
    chart: false,
  },
  {
    name: 'alerts-rules-light',
    path: '/alerts?tab=rules&group=latency',
    ready: '[data-testid="rule-yaml"]',
    chart: false,
    act: async (page) => {
      await page.getByTestId('rule-preview').click();
      await page.getByTestId('preview-summary').waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'trace-phone',
    path: () => `/traces/${traces.checkout}`,
    ready: '[data-testid="waterfall"]',
    options: { width: 390, height: 844 },
    chart: false,
  },
  {
    name: 'overview-phone',
    path: '/',
    ready: '[data-testid="sparkline"]',
    options: { width: 390, height: 844 },
  },
  {
    name: 'service-phone-dark',
    path: '/services/search?from=-3h',
    ready: '[data-testid="timeseries-chart"]',
    options: { width: 390, height: 844, theme: 'dark' },
  },
];

describe('dashboard screenshots', () => {
  it.each(SHOTS)('$name', async ({ name, path: pathOf, ready, options, chart, act }) => {
    const path = typeof pathOf === 'function' ? pathOf() : pathOf;
    const opened = await openPage(session.browser, `${session.vantage.api}${path}`, options);
    const { page } = opened;
    await page.locator(ready).first().waitFor({ timeout: 20_000 });
    await act?.(page);
    await page.waitForLoadState('networkidle');
    const points = await page
      .locator('[data-points]')
      .evaluateAll((els) => els.reduce((n, el) => n + Number(el.getAttribute('data-points')), 0));
    const file = join(OUT, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const errors = opened.errors;
    await opened.close();
    expect(errors).toEqual([]);
    if (!path.startsWith('/pipeline') && chart !== false)
      expect(points, 'the view draws the demo data').toBeGreaterThan(0);
    expect(statSync(file).size).toBeGreaterThan(10_000);
  });
});
