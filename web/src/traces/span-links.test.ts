import { describe, expect, it } from 'vitest';
import type { TraceSpanItem } from '../api/types';
import { eventOffsetMs, serviceViewAt, spanErrors, traceServiceLinks } from './span-links';

const START = Date.parse('2026-12-07T10:20:30.250Z');

function span(overrides: Partial<TraceSpanItem> = {}): TraceSpanItem {
  return {
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    service: 'checkout',
    name: 'POST /pay',
    kind: 'server',
    start: START,
    durationMs: 12.5,
    status: 'unset',
    attributes: {},
    events: [],
    links: [],
    ...overrides,
  };
}

describe('serviceViewAt', () => {
  it('links to the service’s charts over whole minutes around the span', () => {
    expect(serviceViewAt(span())).toBe(
      '/services/checkout?from=2026-12-07T10%3A05%3A00Z&to=2026-12-07T10%3A36%3A00Z',
    );
    expect(serviceViewAt(span({ service: 'a b/c' }))).toMatch(/^\/services\/a%20b%2Fc\?/);
  });

  it('gives each service of a trace the window of its own spans', () => {
    const links = traceServiceLinks([
      span({ service: 'web', durationMs: 100 }),
      span({ service: 'checkout', start: START + 10, durationMs: 50 }),
      span({ service: 'checkout', start: START + 40 * 60_000, durationMs: 1 }),
    ]);
    expect(links.map((l) => l.service)).toEqual(['checkout', 'web']);
    expect(links[0]?.href).toContain('to=2026-12-07T11%3A16%3A00Z');
  });
});

describe('eventOffsetMs', () => {
  it('keeps an event’s sub-millisecond offset from its span’s start', () => {
    const ns = BigInt(START) * 1_000_000n + 3_250_500n;
    expect(eventOffsetMs(span(), ns.toString())).toBeCloseTo(3.2505, 9);
    expect(eventOffsetMs(span(), 'soon')).toBeNaN();
  });
});

describe('spanErrors', () => {
  it('lists exception events with their type, message and stack, and the error status’ message', () => {
    const errors = spanErrors(
      span({
        status: 'error',
        statusMessage: 'card declined',
        events: [
          { timeUnixNano: '1', name: 'retry', attributes: {} },
          {
            timeUnixNano: '2',
            name: 'exception',
            attributes: {
              'exception.type': 'PaymentError',
              'exception.message': 'declined',
              'exception.stacktrace': 'at pay()',
            },
          },
        ],
      }),
    );
    expect(errors).toEqual([
      { title: 'Status: error', message: 'card declined' },
      { title: 'PaymentError', message: 'declined', stack: 'at pay()' },
    ]);
  });

  it('says a span failed when its status is error, with no exception event, and nothing when it did not', () => {
    expect(spanErrors(span({ status: 'error' }))).toEqual([{ title: 'Status: error' }]);
    expect(spanErrors(span({ status: 'ok' }))).toEqual([]);
  });
});
