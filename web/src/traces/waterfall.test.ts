import { describe, expect, it } from 'vitest';
import type { TraceSpanItem } from '../api/types';
import { layoutWaterfall, visibleRows } from './waterfall';

const T0 = 1_800_000_000_000;

/** A span from `from` to `to` ms after T0. */
function span(
  spanId: string,
  parentSpanId: string,
  from: number,
  to: number,
  service = 'shop',
): TraceSpanItem {
  return {
    spanId,
    parentSpanId,
    service,
    name: `op-${spanId}`,
    kind: 'internal',
    start: T0 + from,
    durationMs: to - from,
    status: 'unset',
    attributes: {},
    events: [],
    links: [],
  };
}

const path = (spans: TraceSpanItem[]): [string, number, number][] =>
  layoutWaterfall(spans).criticalPath.map((s) => [s.spanId, s.fromMs, s.toMs]);

describe('layoutWaterfall', () => {
  it('orders spans as a tree, children by start time, with depths and offsets from the trace start', () => {
    const w = layoutWaterfall([
      span('c2', 'b', 60, 90, 'payments'),
      span('a', '', 0, 100),
      span('b', 'a', 10, 95, 'checkout'),
      span('c1', 'b', 20, 50, 'payments'),
      span('d', 'a', 5, 8),
    ]);
    expect(w.rows.map((r) => [r.span.spanId, r.depth, r.offsetMs, r.hasChildren])).toEqual([
      ['a', 0, 0, true],
      ['d', 1, 5, false],
      ['b', 1, 10, true],
      ['c1', 2, 20, false],
      ['c2', 2, 60, false],
    ]);
    expect(w.startMs).toBe(T0);
    expect(w.durationMs).toBe(100);
    expect(w.services).toEqual(['checkout', 'payments', 'shop']);
  });

  it('shows a span whose parent is missing as a root, and every span of a parent cycle once', () => {
    const w = layoutWaterfall([
      span('a', '', 0, 10),
      span('orphan', 'never-sent', 2, 4),
      span('x', 'y', 5, 6),
      span('y', 'x', 5, 7),
      span('a', '', 0, 99), // a duplicate id: the first is kept
    ]);
    expect(w.rows.map((r) => r.span.spanId).sort()).toEqual(['a', 'orphan', 'x', 'y']);
    expect(w.rows.find((r) => r.span.spanId === 'orphan')?.depth).toBe(0);
    expect(w.durationMs).toBe(10);
  });

  it('handles a trace deeper than the call stack would allow', () => {
    const spans = Array.from({ length: 20_000 }, (_, i) =>
      span(`s${i}`, i ? `s${i - 1}` : '', i, 40_000 - i),
    );
    const w = layoutWaterfall(spans);
    expect(w.rows.at(-1)?.depth).toBe(19_999);
    expect(w.criticalPath.length).toBeGreaterThan(20_000);
  });
});

describe('critical path', () => {
  it('is the span alone when it has no children', () => {
    expect(path([span('a', '', 0, 100)])).toEqual([['a', 0, 100]]);
  });

  it('goes through sequential children and the parent’s own time between them', () => {
    // a: [0,100]; b [10,40] then c [50,90], one after the other.
    expect(path([span('a', '', 0, 100), span('b', 'a', 10, 40), span('c', 'a', 50, 90)])).toEqual([
      ['a', 0, 10],
      ['b', 10, 40],
      ['a', 40, 50],
      ['c', 50, 90],
      ['a', 90, 100],
    ]);
  });

  it('takes the child that finishes last among parallel ones, not the one that starts first', () => {
    // b and c run in parallel; c ends later, so the parent waits for c; b is hidden behind it.
    expect(path([span('a', '', 0, 100), span('b', 'a', 10, 60), span('c', 'a', 20, 80)])).toEqual([
      ['a', 0, 20],
      ['c', 20, 80],
      ['a', 80, 100],
    ]);
  });

  it('counts a grandchild’s end as its parent’s when choosing the last child', () => {
    // b ends at 50 but its child b1 (async) runs to 95: b's subtree ends after c's.
    expect(
      path([span('a', '', 0, 100), span('b', 'a', 10, 50), span('b1', 'b', 40, 95), span('c', 'a', 20, 90)]),
    ).toEqual([
      ['a', 0, 10],
      ['b', 10, 40],
      ['b1', 40, 95],
      ['a', 95, 100],
    ]);
  });

  it('follows a child that finishes after its parent, to the trace’s end', () => {
    // The root answers at 50; work it handed off runs to 120: that is what the trace waits for.
    expect(path([span('a', '', 0, 50), span('b', 'a', 30, 120)])).toEqual([
      ['a', 0, 30],
      ['b', 30, 120],
    ]);
    expect(layoutWaterfall([span('a', '', 0, 50), span('b', 'a', 30, 120)]).durationMs).toBe(120);
  });

  it('marks on each row the parts of its span on the path', () => {
    const w = layoutWaterfall([span('a', '', 0, 100), span('b', 'a', 10, 40), span('c', 'a', 50, 90)]);
    const a = w.rows.find((r) => r.span.spanId === 'a');
    expect(a?.critical.map((s) => [s.fromMs, s.toMs])).toEqual([
      [0, 10],
      [40, 50],
      [90, 100],
    ]);
    expect(w.rows.find((r) => r.span.spanId === 'b')?.critical).toHaveLength(1);
  });

  it('covers the trace from start to end with no overlaps', () => {
    const spans = [
      span('root', '', 0, 200),
      span('db1', 'root', 5, 30),
      span('rpc', 'root', 25, 150, 'payments'),
      span('rpc-db', 'rpc', 40, 140, 'payments'),
      span('cache', 'rpc', 30, 35, 'payments'),
      span('log', 'root', 160, 170),
    ];
    const segs = layoutWaterfall(spans).criticalPath;
    for (let i = 1; i < segs.length; i++)
      expect(segs[i]?.fromMs).toBeGreaterThanOrEqual(segs[i - 1]?.toMs as number);
    const covered = segs.reduce((n, s) => n + (s.toMs - s.fromMs), 0);
    expect(covered).toBe(200);
    expect(segs.map((s) => s.spanId)).toEqual([
      'root',
      'rpc',
      'cache',
      'rpc',
      'rpc-db',
      'rpc',
      'root',
      'log',
      'root',
    ]);
  });
});

describe('visibleRows', () => {
  it('hides the spans under a folded span, and only those', () => {
    const w = layoutWaterfall([
      span('a', '', 0, 100),
      span('b', 'a', 10, 95),
      span('c', 'b', 20, 50),
      span('d', 'c', 21, 22),
      span('e', 'a', 96, 99),
    ]);
    expect(visibleRows(w.rows, new Set(['b'])).map((r) => r.span.spanId)).toEqual(['a', 'b', 'e']);
    expect(visibleRows(w.rows, new Set(['c'])).map((r) => r.span.spanId)).toEqual(['a', 'b', 'c', 'e']);
    expect(visibleRows(w.rows, new Set()).map((r) => r.span.spanId)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
