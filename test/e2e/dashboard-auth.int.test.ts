import { beforeAll, describe, expect, it } from 'vitest';
import { openPage } from '../support/browser.js';
import { dashboardSession } from '../support/dashboard-session.js';
import { MINUTE, MINUTES, sendDashboardData, waitForChart } from '../support/dashboard-data.js';
import { postMetrics } from '../support/http.js';
import { startVantageProcess } from '../support/vantage-process.js';

/**
 * The dashboard on a server with API keys: the page itself loads without one, asks for it, sends
 * it as a Bearer token (never in a URL), keeps it in the tab's sessionStorage, and opens the live
 * stream with a ticket.
 */
const KEY = 'e2e-dashboard-key-7c1f-long-enough-for-start-up';
const auth = { authorization: `Bearer ${KEY}` };
const session = dashboardSession({
  name: 'e2e-auth',
  start: (dir) => startVantageProcess(dir, ['--worker-linger', '20ms', '--api-keys', KEY]),
});

beforeAll(async () => {
  await sendDashboardData(session.vantage.collector, session.vantage.api, auth);
});

describe('dashboard with API keys', () => {
  it('asks for the key, then shows the data and streams live with a ticket', async () => {
    // The 401s before the key is entered are expected; nothing else may be logged.
    const opened = await openPage(session.browser, `${session.vantage.api}/`, { expectedErrors: [/401/] });
    const { page } = opened;
    const urls: string[] = [];
    const bearer: (string | undefined)[] = [];
    page.on('request', (r) => {
      urls.push(r.url());
      if (new URL(r.url()).pathname === '/v1/services') bearer.push(r.headers().authorization);
    });
    page.on('websocket', (ws) => urls.push(ws.url()));

    const dialog = page.getByRole('dialog', { name: 'API key' });
    await dialog.waitFor();
    await dialog.getByLabel('API key').fill(KEY);
    await dialog.getByRole('button', { name: 'Use key' }).click();
    const rows = page.locator('[data-testid="overview-table"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    expect(bearer).toContain(`Bearer ${KEY}`);
    expect(await page.evaluate("sessionStorage.getItem('vantage.apiKey')")).toBe(KEY);
    expect(await page.evaluate("localStorage.getItem('vantage.apiKey')")).toBeNull();

    await rows.first().getByRole('link').first().click();
    await page.getByLabel('Live').check();
    const card = '[data-metric="queue_depth"]';
    await waitForChart(page, card, (s) => s[0]?.points === MINUTES);
    await page.locator(`${card} [data-testid="live-on"]`).waitFor({ timeout: 15_000 });
    const next = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE;
    const res = await postMetrics(
      session.vantage.collector,
      [{ service: 'shop', name: 'queue_depth', value: 42, timestamp: next }],
      auth,
    );
    expect(res.status).toBe(202);
    await waitForChart(page, card, (s) => s[0]?.last?.[0] === next && s[0].last[1] === 42);

    const stream = urls.find((u) => u.includes('/v1/stream?'));
    expect(stream).toMatch(/ticket=/);
    expect(urls.filter((u) => u.includes(KEY))).toEqual([]);
    const errors = opened.errors;
    await opened.close();
    expect(errors).toEqual([]);
  });
});
