import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TraceSpanItem } from '../../api/types';
import { layoutWaterfall } from '../../traces/waterfall';
import { Waterfall } from './Waterfall';
import { SpanDetails } from './SpanDetails';
import TracesPage from '../TracesPage';

const T0 = Date.parse('2026-12-07T10:00:00Z');

function span(
  spanId: string,
  parentSpanId: string,
  from: number,
  to: number,
  extra: Partial<TraceSpanItem> = {},
): TraceSpanItem {
  return {
    spanId,
    parentSpanId,
    service: 'shop',
    name: `op-${spanId}`,
    kind: 'server',
    start: T0 + from,
    durationMs: to - from,
    status: 'unset',
    attributes: {},
    events: [],
    links: [],
    ...extra,
  };
}

const spans = [
  span('a', '', 0, 100),
  span('b', 'a', 10, 90, { service: 'payments', status: 'error' }),
  span('c', 'b', 20, 30),
  span('d', 'a', 12, 14), // beside b, which ends later: not on the critical path
];

afterEach(cleanup);

describe('Waterfall', () => {
  it('draws a row per span with its depth and critical time, and reports a selection and a fold', () => {
    const onSelect = vi.fn();
    const onFold = vi.fn();
    render(
      <Waterfall
        layout={layoutWaterfall(spans)}
        selected="b"
        folded={new Set()}
        onSelect={onSelect}
        onFold={onFold}
      />,
    );
    const table = screen.getByTestId('waterfall');
    const rows = table.querySelectorAll('[data-span-id]');
    expect([...rows].map((r) => [r.getAttribute('data-span-id'), r.getAttribute('data-depth')])).toEqual([
      ['a', '0'],
      ['b', '1'],
      ['c', '2'],
      ['d', '1'],
    ]);
    expect(table.querySelector('[data-span-id="b"]')?.getAttribute('aria-selected')).toBe('true');
    expect(table.querySelector('[data-span-id="d"]')?.getAttribute('data-critical-ms')).toBe('0');
    expect(table.querySelector('[data-span-id="c"]')?.getAttribute('data-critical-ms')).toBe('10');
    fireEvent.click(
      within(table.querySelector('[data-span-id="c"]') as HTMLElement).getByTitle('shop: op-c'),
    );
    expect(onSelect).toHaveBeenCalledWith('c');
    fireEvent.click(screen.getByRole('button', { name: 'Fold the spans under op-b' }));
    expect(onFold).toHaveBeenCalledWith('b');
  });

  it('leaves out the spans under a folded one', () => {
    render(
      <Waterfall
        layout={layoutWaterfall(spans)}
        selected={undefined}
        folded={new Set(['b'])}
        onSelect={vi.fn()}
        onFold={vi.fn()}
      />,
    );
    expect(screen.getByTestId('waterfall').getAttribute('data-rows')).toBe('3');
    expect(
      screen.getByRole('button', { name: 'Unfold the spans under op-b' }).getAttribute('aria-expanded'),
    ).toBe('false');
  });
});

describe('SpanDetails', () => {
  it('shows the error first, the attributes and a link to the service’s metrics at the time', () => {
    render(
      <SpanDetails
        span={span('b', 'a', 10, 90, {
          service: 'payments',
          status: 'error',
          statusMessage: 'card declined',
          attributes: { 'payment.provider': 'acme', retries: 2 },
        })}
        onClose={vi.fn()}
      />,
    );
    expect(screen.getByTestId('span-errors').textContent).toContain('card declined');
    const provider = screen
      .getByTestId('span-attributes')
      .querySelector('tr[data-key="payment.provider"] td');
    expect(provider?.textContent).toBe('acme');
    expect(screen.getByTestId('span-service-link').getAttribute('href')).toBe(
      '/services/payments?from=2026-12-07T09%3A45%3A00Z&to=2026-12-07T10%3A16%3A00Z',
    );
  });
});

describe('TracesPage', () => {
  beforeEach(() => {
    // Each search asks the API; here nothing answers, and the page shows that in place.
    vi.spyOn(window, 'fetch').mockRejectedValue(new TypeError('no server in this test'));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    window.history.replaceState(null, '', '/');
  });

  it('fills the search from the URL and writes a new search back to it', async () => {
    window.history.replaceState(null, '', '/traces?service=web&min_duration=250ms&status=error&from=-6h');
    render(<TracesPage />);
    expect((screen.getByLabelText('Service') as HTMLInputElement).value).toBe('web');
    expect((screen.getByLabelText('Min duration') as HTMLInputElement).value).toBe('250ms');
    expect((screen.getByLabelText('Status') as HTMLSelectElement).value).toBe('error');
    expect(screen.getByRole('button', { name: '6h' }).getAttribute('aria-pressed')).toBe('true');
    await screen.findByRole('alert');

    fireEvent.change(screen.getByLabelText('Max duration'), { target: { value: '2s' } });
    fireEvent.change(screen.getByLabelText('Tags'), { target: { value: 'http.route:/pay' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Search' })));
    const params = new URLSearchParams(window.location.search);
    expect(Object.fromEntries(params)).toEqual({
      service: 'web',
      min_duration: '250ms',
      max_duration: '2s',
      status: 'error',
      tags: 'http.route:/pay',
      from: '-6h',
    });
    const asked = new URL(String(vi.mocked(window.fetch).mock.calls.at(-1)?.[0]), 'http://x');
    expect(asked.pathname).toBe('/v1/traces');
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({
      min_duration: '250',
      max_duration: '2000',
      tags: 'http.route:/pay',
    });
  });

  it('names a bad field and does not search until it is fixed', async () => {
    window.history.replaceState(null, '', '/traces?min_duration=soon');
    render(<TracesPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('a duration');
    expect(screen.getByLabelText('Min duration').getAttribute('aria-invalid')).toBe('true');
    expect(window.fetch).not.toHaveBeenCalled();
  });
});
