import { describe, expect, it } from 'vitest';
import type { Span } from '../core/index.js';
import { makeTrace } from '../../test/support/trace-fixtures.js';
import { SPAN_CALLS_METRIC, SPAN_DURATION_METRIC, spanMetricColumns } from './span-metrics.js';

const MINUTE = 1_765_000_020_000;
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();
/** The root span of a fixture trace, made a server span of one operation at `startMs`. */
const ROOT = makeTrace({ traceIndex: 0, startMs: MINUTE, spans: 2 })[0] as Span;
const span = (spanId: string, startMs: number, durationMs: number, over: Partial<Span> = {}): Span => ({
  ...ROOT,
  spanId,
  name: 'GET /cart',
  kind: 'server',
  startUnixNano: ns(startMs),
  endUnixNano: ns(startMs + durationMs),
  status: 'unset',
  ...over,
});

/** Every point as `metric status minute-offset-ms value`. */
function points(spans: readonly Span[]): string[] {
  const c = spanMetricColumns(spans);
  const out: string[] = [];
  for (let i = 0; i < c.pointCount; i++) {
    const s = c.series[c.seriesAt(i)];
    out.push(`${s?.name} ${s?.labels[5]} ${c.timestampAt(i) - MINUTE} ${c.valueAt(i)}`);
  }
  return out.sort();
}

describe('spanMetricColumns', () => {
  it('counts the spans of a series-minute in one point, and keeps every duration', () => {
    const spans = [
      span('a1', MINUTE + 1_000, 5),
      span('a2', MINUTE + 30_000, 7),
      span('a3', MINUTE + 20_000, 9),
      span('b1', MINUTE + 61_000, 4),
      span('e1', MINUTE + 2_000, 50, { status: 'error' }),
    ];
    expect(points(spans)).toEqual(
      [
        `${SPAN_CALLS_METRIC} unset 30000 3`,
        `${SPAN_CALLS_METRIC} unset 61000 1`,
        `${SPAN_CALLS_METRIC} error 2000 1`,
        `${SPAN_DURATION_METRIC} unset 1000 5`,
        `${SPAN_DURATION_METRIC} unset 30000 7`,
        `${SPAN_DURATION_METRIC} unset 20000 9`,
        `${SPAN_DURATION_METRIC} unset 61000 4`,
        `${SPAN_DURATION_METRIC} error 2000 50`,
      ].sort(),
    );
  });

  it('links each series-minute to its slowest span', () => {
    const c = spanMetricColumns([
      span('a1', MINUTE, 5),
      span('a2', MINUTE + 10, 9),
      span('a3', MINUTE + 20, 7),
    ]);
    expect(c.exemplars.map((e) => [c.series[e.series]?.name, e.value, e.spanId])).toEqual([
      [SPAN_CALLS_METRIC, 1, 'a2'],
      [SPAN_DURATION_METRIC, 9, 'a2'],
    ]);
  });
});
