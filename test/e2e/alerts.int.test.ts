import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dashboardSession } from '../support/dashboard-session.js';
import { eventually, postMetrics } from '../support/http.js';
import { startVantageProcess } from '../support/vantage-process.js';

/**
 * The Alerts view in Chromium against `vantage start` with a rules directory: a rule with no
 * `for` fires on data sent through the collector and shows as firing; a silence made through the
 * form is listed and can be expired; the rule editor previews a group against the data now ("would
 * fire now for 1 of 2 groups") and saves a new one through the API; the service's chart carries a
 * marker at the firing time. In that order: the group saved last would fire for both services.
 */
const RULES = `groups:
  - name: queues
    interval: 5s
    rules:
      - alert: QueueDeep
        vql: >-
          SELECT service_name, last(value) FROM metrics
          WHERE metric_name = 'queue_depth' AND timestamp > now() - 10m GROUP BY service_name
        condition: '> 100'
        labels: { severity: page }
        annotations: { summary: '{{ $labels.service_name }} holds {{ $value }} jobs' }
`;

const session = dashboardSession({
  name: 'e2e-alerts',
  start: async (dir) => {
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'queues.yml'), RULES);
    return startVantageProcess(join(dir, 'data'), ['--rules-dir', rulesDir, '--worker-linger', '20ms']);
  },
});
const open = (path: string) => session.open(path);

const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000, interval: 100 });

beforeAll(async () => {
  const { vantage } = session;
  // Minutes that are over, so that the charts draw them (the step in progress is left out).
  const at = Date.now() - 3 * 60_000;
  const res = await postMetrics(vantage.collector, [
    { service: 'jobs', name: 'queue_depth', value: 250, timestamp: at },
    { service: 'mail', name: 'queue_depth', value: 20, timestamp: at },
  ]);
  expect(res.status).toBe(202);
  await eventually(
    async () => {
      const body = (await (await fetch(`${vantage.api}/v1/alerts`)).json()) as {
        alerts: { state: string }[];
      };
      return body.alerts.some((a) => a.state === 'firing') ? true : undefined;
    },
    30_000,
    'the alert to fire',
  );
}, 60_000);

describe('dashboard: alerts', () => {
  it('shows the firing alert, silences it through the form, and expires the silence', async () => {
    const { page } = await open('/');
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.waitForURL(/\/alerts$/);
    const rows = page.locator('[data-testid="alerts-table"] tbody tr');
    await poll(() => rows.count()).toBe(1);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['firing', 'QueueDeep', 'service_name=jobs, severity=page', '250']);
    expect(cells[5]).toBe('jobs holds 250 jobs');
    expect(await page.getByTestId('alerts-count').textContent()).toBe('1 firing, 0 pending');

    // "Silence…" opens the silences with the alert's labels as matchers.
    await rows.first().getByRole('button', { name: 'Silence…' }).click();
    await page.waitForURL(/tab=silences/);
    const matchers = page.getByLabel('Matchers');
    expect(await matchers.inputValue()).toContain('service_name="jobs"');
    await matchers.fill('service_name="jobs", severity=~"pa.*"');
    await page.getByLabel('Duration').fill('1h');
    await page.getByLabel('Comment').fill('draining the queue');
    await page.getByRole('button', { name: 'Create silence' }).click();
    const silences = page.locator('[data-testid="silences-table"] tbody tr');
    await poll(() => silences.count()).toBe(1);
    const silence = await silences.first().locator('td').allTextContents();
    expect(silence[0]).toBe('active');
    expect(silence[1]).toBe('service_name="jobs", severity=~"pa.*"');
    expect(silence[5]).toBe('draining the queue');
    const api = (await (await fetch(`${session.vantage.api}/v1/silences`)).json()) as {
      silences: { state: string; comment: string; endsAt: number }[];
    };
    expect(api.silences).toMatchObject([{ state: 'active', comment: 'draining the queue' }]);
    expect(api.silences[0]?.endsAt).toBeGreaterThan(Date.now() + 50 * 60_000);

    // A matcher that is not one is refused in the form, before any request.
    await page.getByLabel('Matchers').fill('service_name="jobs", oops');
    await page.getByRole('button', { name: 'Create silence' }).click();
    expect(await page.getByTestId('silence-problem').textContent()).toContain('"oops" is not a matcher');

    await silences.first().getByRole('button', { name: 'Expire' }).click();
    await poll(async () => (await silences.first().locator('td').first().textContent()) ?? '').toBe(
      'expired',
    );
  });

  it('lists the firing in the history, filtered by state', async () => {
    const { page } = await open('/alerts?tab=history&state=firing&from=-1h');
    const rows = page.locator('[data-testid="history-table"] tbody tr');
    await poll(() => rows.count()).toBe(1);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(1, 4)).toEqual(['firing', 'QueueDeep', 'queues']);
    // The form writes the filter to the URL: pending (a rule without `for` still passes through it).
    await page.getByLabel('State').selectOption('pending');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/state=pending/);
    await poll(async () => (await rows.first().locator('td').nth(1).textContent()) ?? '').toBe('pending');
  });

  it('marks the firing time on the service’s chart', async () => {
    const { page } = await open('/services/jobs?from=-1h');
    const chart = page.locator('[data-metric="queue_depth"] [data-testid="timeseries-chart"]');
    await chart.waitFor();
    await poll(() => chart.getAttribute('data-alert-markers')).toBe('1');
    const marker = chart.locator('[data-testid="alert-marker"]');
    await poll(() => marker.count()).toBe(1);
    expect(await marker.getAttribute('data-state')).toBe('firing');
    expect(await marker.getAttribute('title')).toBe('QueueDeep firing at 250');
    // The other service's chart has none: its alert never fired.
    const other = await open('/services/mail?from=-1h');
    const otherChart = other.page.locator('[data-metric="queue_depth"] [data-testid="timeseries-chart"]');
    await otherChart.waitFor();
    await poll(() => otherChart.getAttribute('data-drawn-alert-markers')).toBe('0');
    expect(await otherChart.getAttribute('data-alert-markers')).toBe('0');
  });
  it('previews a group in the rule editor against the data now, then saves a new one', async () => {
    const { page } = await open('/alerts?tab=rules&group=queues');
    const yaml = page.getByTestId('rule-yaml');
    await poll(async () => (await yaml.inputValue()).includes('alert: QueueDeep')).toBe(true);
    // A group from the rules directory: previewed, never saved from here.
    expect(await page.getByTestId('rule-save').isDisabled()).toBe(true);
    await page.getByTestId('rule-preview').click();
    const summary = page.getByTestId('preview-summary');
    await poll(async () => (await summary.textContent()) ?? '').toBe(
      'QueueDeep would fire now for 1 of 2 groups',
    );
    expect(await page.getByTestId('rule-save').isDisabled()).toBe(true);

    // A new group: a bad condition is shown at its line; fixed, it previews and saves.
    await page.getByLabel('Rule group', { exact: true }).selectOption('');
    await yaml.fill(
      `name: queues-low\nrules:\n  - alert: QueueBusy\n    vql: SELECT service_name, last(value) FROM metrics WHERE metric_name = 'queue_depth' AND timestamp > now() - 10m GROUP BY service_name\n    condition: 'above 10'\n`,
    );
    await page.getByTestId('rule-preview').click();
    const problems = page.getByTestId('preview-problems');
    await poll(async () => (await problems.textContent()) ?? '').toMatch(/^line 5: rules\[0\]\.condition /);
    await yaml.fill((await yaml.inputValue()).replace("'above 10'", "'> 10'"));
    await page.getByTestId('rule-preview').click();
    await poll(async () => (await summary.textContent()) ?? '').toBe(
      'QueueBusy would fire now for 2 of 2 groups',
    );
    await page.getByTestId('rule-save').click();
    await page.waitForURL(/group=queues-low/);
    const saved = await fetch(`${session.vantage.api}/v1/rules/queues-low`);
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({
      source: { kind: 'api' },
      rules: [{ alert: 'QueueBusy', condition: '> 10' }],
    });
  });
});
