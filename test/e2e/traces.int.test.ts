import { beforeAll, describe, expect, it } from 'vitest';
import type { PageOptions } from '../support/browser.js';
import { dashboardSession } from '../support/dashboard-session.js';
import { sendTraceData } from '../support/trace-data.js';
import type { TraceData } from '../support/trace-data.js';

/**
 * The dashboard's trace views in Chromium against `vantage start`, with spans sent over OTLP/HTTP
 * JSON (test/support/trace-data.ts): the search finds what was sent and filters it, the waterfall
 * nests the spans and marks the critical path, a span's details show its error, the service map
 * counts the calls, and the metrics link to the trace and back.
 */
const session = dashboardSession({ name: 'e2e-traces' });
const open = (path: string, options?: PageOptions) => session.open(path, options);
let data: TraceData;

const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

beforeAll(async () => {
  data = await sendTraceData(session.vantage.otlpHttp, session.vantage.api);
});

describe('dashboard: traces', () => {
  it('lists the traces sent, newest first, with a histogram of their durations, and filters them', async () => {
    const { page } = await open('/traces');
    const links = page.locator('[data-testid="traces-table"] a[data-trace-id]');
    await poll(() => links.count()).toBe(2);
    // The health check started 5 s after the checkout trace: newest first.
    expect(await links.nth(0).getAttribute('data-trace-id')).toBe(data.health);
    expect(await links.nth(1).getAttribute('data-trace-id')).toBe(data.checkout);
    expect(await links.nth(1).textContent()).toBe('web GET /checkout');
    const histogram = page.getByTestId('duration-histogram');
    expect(await histogram.getAttribute('data-total')).toBe('2');

    // The form writes the search to the URL; the list follows it.
    await page.getByLabel('Service').fill('web');
    await page.getByLabel('Min duration').fill('100ms');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/service=web&min_duration=100ms/);
    await poll(() => links.count()).toBe(1);
    expect(await links.first().getAttribute('data-trace-id')).toBe(data.checkout);

    // The address alone brings a search back: errors only.
    await page.goto(`${session.vantage.api}/traces?status=error`);
    await poll(() => links.count()).toBe(1);
    expect(await links.first().getAttribute('data-trace-id')).toBe(data.checkout);
    expect(await page.getByLabel('Status').inputValue()).toBe('error');

    await links.first().click();
    await page.waitForURL(new RegExp(`/traces/${data.checkout}$`));
    await page.getByTestId('waterfall').waitFor();
  });

  it('draws the waterfall nested by parent, and marks the critical path to the trace’s end', async () => {
    const { page } = await open(`/traces/${data.checkout}`);
    const rows = page.locator('[data-testid="waterfall"] [data-span-id]');
    await poll(() => rows.count()).toBe(7);
    const order = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-span-id')));
    const s = data.span;
    expect(order).toEqual([s.root, s.auth, s.pay, s.cart, s.charge, s.ledger, s.log]);
    const attr = (id: string, name: string) => page.locator(`[data-span-id="${id}"]`).getAttribute(name);
    expect(await attr(s.ledger, 'data-depth')).toBe('3');
    expect(await attr(s.charge, 'data-status')).toBe('error');
    // The trace ends with async-log (450 ms), after its parent: the path runs through it. auth
    // runs beside the call to checkout, which ends later: it is not on the path.
    const critical = async (id: string) => Number(await attr(id, 'data-critical-ms'));
    expect(await critical(s.log)).toBeCloseTo(60, 3);
    expect(await critical(s.ledger)).toBeCloseTo(200, 3);
    expect(await critical(s.charge)).toBeCloseTo(60, 3);
    expect(await critical(s.cart)).toBeCloseTo(50, 3);
    expect(await critical(s.pay)).toBeCloseTo(50, 3);
    expect(await critical(s.root)).toBeCloseTo(30, 3);
    expect(await critical(s.auth)).toBe(0);
    expect(await page.locator('[data-stat="duration"] .tile-value').textContent()).toBe('450 ms');

    // Folding POST /pay hides the three spans under it, and is kept in the URL.
    await page.getByRole('button', { name: 'Fold the spans under POST /pay' }).click();
    await page.waitForURL(/fold=/);
    await poll(() => rows.count()).toBe(4);
    await page.reload();
    await poll(() => rows.count()).toBe(4);
  });

  it('shows a span’s attributes, events, links and error, and links to its service’s metrics', async () => {
    const { page } = await open(`/traces/${data.checkout}`);
    await page.locator(`[data-span-id="${data.span.charge}"] .wf-label`).click();
    await page.waitForURL(new RegExp(`span=${data.span.charge}`));
    const details = page.getByTestId('span-details');
    await details.waitFor();
    expect(await details.getByTestId('span-errors').textContent()).toContain('card declined');
    expect(await details.getByTestId('span-errors').textContent()).toContain('PaymentError');
    expect(
      await details
        .locator('[data-testid="span-attributes"] tr[data-key="payment.provider"] td')
        .textContent(),
    ).toBe('acme');
    expect(await details.getByTestId('span-events').textContent()).toContain('exception');
    await details.getByRole('link', { name: new RegExp(data.health) }).waitFor();

    await details.getByTestId('span-service-link').click();
    await page.waitForURL(/\/services\/payments\?from=.*&to=/);
    await page.getByRole('heading', { name: 'payments', level: 1 }).waitFor();
    const url = new URL(page.url());
    const from = Date.parse(url.searchParams.get('from') ?? '');
    const to = Date.parse(url.searchParams.get('to') ?? '');
    expect(from).toBeLessThan(data.start + 100);
    expect(to).toBeGreaterThan(data.start + 360);
  });

  it('maps the calls between services with their counts and errors', async () => {
    const { page } = await open('/service-map');
    const map = page.getByTestId('service-map');
    await map.waitFor();
    expect(await map.getAttribute('data-nodes')).toBe('4');
    const edge = (parent: string, child: string) =>
      page.locator(`.map-edge[data-parent="${parent}"][data-child="${child}"]`);
    expect(await edge('web', 'checkout').getAttribute('data-calls')).toBe('1');
    expect(await edge('checkout', 'payments').getAttribute('data-calls')).toBe('1');
    expect(await edge('checkout', 'payments').getAttribute('data-errors')).toBe('1');
    expect(await edge('payments', 'ledger').getAttribute('data-errors')).toBe('0');
    // One call of 200 ms: its p95, within the sketch's relative error.
    const p95 = Number(await edge('payments', 'ledger').getAttribute('data-p95'));
    expect(p95).toBeGreaterThan(190);
    expect(p95).toBeLessThan(210);
    expect(await page.locator('.map-edge').count()).toBe(3);

    await page.locator('.map-node[data-service="ledger"]').click();
    await page.waitForURL(/\/traces\?service=ledger/);
    const links = page.locator('[data-testid="traces-table"] a[data-trace-id]');
    await poll(() => links.count()).toBe(1);
  });

  it('draws the span metrics’ exemplars on the service’s chart, and a dot opens its trace', async () => {
    const { page } = await open('/services/payments');
    const card = page.locator('[data-metric="span_duration_ms"]');
    const dot = card.locator(`a.exemplar[data-trace-id="${data.checkout}"]`);
    await dot.waitFor({ timeout: 15_000 });
    expect(
      Number(await card.getByTestId('timeseries-chart').getAttribute('data-drawn-exemplars')),
    ).toBeGreaterThan(0);
    await dot.click();
    await page.waitForURL(new RegExp(`/traces/${data.checkout}$`));
    await poll(() => page.locator('[data-testid="waterfall"] [data-span-id]').count()).toBe(7);
  });

  it('fits a phone’s width without sideways scrolling', async () => {
    for (const path of ['/traces', `/traces/${data.checkout}?span=${data.span.charge}`, '/service-map']) {
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
