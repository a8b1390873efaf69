import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Span } from '../../core/index.js';
import { makeTrace, makeTraces } from '../../../test/support/trace-fixtures.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

function span(over: Partial<Span>): Span {
  return {
    traceId: 'a'.repeat(32),
    spanId: '1'.repeat(16),
    parentSpanId: '',
    service: 'api',
    name: 'GET /',
    kind: 'server',
    startUnixNano: `${T0}000000`,
    endUnixNano: `${T0 + 10}000000`,
    status: 'unset',
    statusMessage: '',
    attributes: {},
    events: [],
    links: [],
    ...over,
  };
}

describe('SqliteTraceStore', () => {
  let dir: string;
  let store: SqliteTraceStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vantage-traces-'));
    store = new SqliteTraceStore({
      path: join(dir, 'traces.db'),
      retention: { spansMs: 30 * DAY, summariesMs: 90 * DAY },
    });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back a trace exactly as written, by start time', async () => {
    const spans = makeTrace({ traceIndex: 3, startMs: T0, spans: 12 });
    const report = await store.writeSpans([...spans].reverse());
    expect(report).toEqual({ stored: 12, deadLettered: 0 });
    const back = await store.trace(spans[0]!.traceId);
    const byStart = [...spans].sort((a, b) =>
      BigInt(a.startUnixNano) === BigInt(b.startUnixNano)
        ? a.spanId.localeCompare(b.spanId)
        : BigInt(a.startUnixNano) < BigInt(b.startUnixNano)
          ? -1
          : 1,
    );
    expect(back).toEqual(byStart);
    expect(await store.trace('f'.repeat(32))).toEqual([]);
    expect(await store.trace('not-hex')).toEqual([]);
  });

  it('stores a replayed batch once: same spans, same summary', async () => {
    const spans = makeTrace({ traceIndex: 1, startMs: T0, spans: 8 });
    await store.writeSpans(spans.slice(0, 5));
    const again = await store.writeSpans(spans);
    expect(again.stored).toBe(3);
    await store.writeSpans(spans);
    const [summary] = await store.searchTraces({ from: T0 - 1000, to: T0 + 60_000, limit: 10 });
    expect(summary?.spanCount).toBe(8);
    expect(summary?.errorCount).toBe(spans.filter((s) => s.status === 'error').length);
    expect(await store.trace(spans[0]!.traceId)).toHaveLength(8);
  });

  it('chooses the same root and bounds whatever order spans arrive in', async () => {
    const root = span({ spanId: '0'.repeat(15) + '1', startUnixNano: `${T0 + 5}000000`, name: 'root' });
    const early = span({
      spanId: '0'.repeat(15) + '2',
      parentSpanId: root.spanId,
      service: 'db',
      name: 'query',
      startUnixNano: `${T0}000000`,
      endUnixNano: `${T0 + 40}000000`,
      status: 'error',
    });
    await store.writeSpans([early]);
    let [s] = await store.searchTraces({ from: T0 - 1, to: T0 + 1000, limit: 5 });
    // Without its root yet, the earliest span stands for it.
    expect([s?.rootService, s?.rootOperation]).toEqual(['db', 'query']);
    await store.writeSpans([root]);
    [s] = await store.searchTraces({ from: T0 - 1, to: T0 + 1000, limit: 5 });
    expect(s).toEqual({
      traceId: root.traceId,
      rootService: 'api',
      rootOperation: 'root',
      start: T0,
      durationMs: 40,
      spanCount: 2,
      errorCount: 1,
      services: ['api', 'db'],
    });
  });

  it('searches by service, operation, duration, status and tags on one span', async () => {
    const id = (n: number): string => n.toString(16).padStart(32, '0');
    await store.writeSpans([
      span({ traceId: id(1), service: 'api', name: 'GET /a', attributes: { 'http.status_code': 200 } }),
      span({
        traceId: id(2),
        service: 'api',
        name: 'GET /b',
        status: 'error',
        endUnixNano: `${T0 + 500}000000`,
        attributes: { 'http.status_code': 500, user: 'x' },
      }),
      span({ traceId: id(3), service: 'db', name: 'GET /a', startUnixNano: `${T0 + 1}000000` }),
    ]);
    const ids = async (q: object): Promise<string[]> =>
      (await store.searchTraces({ from: T0, to: T0 + 1000, limit: 10, ...q })).map((t) => t.traceId);
    expect(await ids({})).toEqual([id(3), id(1), id(2)]);
    expect(await ids({ service: 'api' })).toEqual([id(1), id(2)]);
    expect(await ids({ operation: 'GET /a' })).toEqual([id(3), id(1)]);
    expect(await ids({ minDurationMs: 100 })).toEqual([id(2)]);
    expect(await ids({ maxDurationMs: 100 })).toEqual([id(3), id(1)]);
    expect(await ids({ status: 'error' })).toEqual([id(2)]);
    expect(await ids({ status: 'ok' })).toEqual([id(3), id(1)]);
    expect(await ids({ tags: { 'http.status_code': '500' } })).toEqual([id(2)]);
    expect(await ids({ tags: { 'http.status_code': '500', user: 'y' } })).toEqual([]);
    expect(await ids({ service: 'db', limit: 1 })).toEqual([id(3)]);
    expect(await ids({ from: T0 + 2 })).toEqual([]);
  });

  it('maps calls between services from parent-child spans', async () => {
    const spans = makeTraces(40, T0, 1000);
    await store.writeSpans(spans);
    const calls = await store.serviceCalls(T0, T0 + 60_000);
    const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
    const expected = new Map<string, number>();
    for (const s of spans) {
      const parent = byId.get(`${s.traceId}/${s.parentSpanId}`);
      if (parent && parent.service !== s.service) {
        const key = `${parent.service}>${s.service}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    expect(new Map(calls.map((c) => [`${c.parent}>${c.child}`, c.calls]))).toEqual(expected);
    for (const c of calls) expect(c.p95Ms).toBeGreaterThan(0);
    expect(await store.traceServices()).toEqual([...new Set(spans.map((s) => s.service))].sort());
    expect(await store.operations('payments')).toEqual(
      [...new Set(spans.filter((s) => s.service === 'payments').map((s) => s.name))].sort(),
    );
  });

  it('sets aside spans it can never hold, with a reason, and stores the rest', async () => {
    const bad = span({ traceId: 'xyz', spanId: '2'.repeat(16) });
    const report = await store.writeSpans([bad, span({})]);
    expect(report).toEqual({ stored: 1, deadLettered: 1 });
    expect(store.spanDeadLetters()).toMatchObject([
      { traceId: 'xyz', reason: 'traceId is not 32 lower-case hex digits' },
    ]);
  });

  it('applies retention: spans after 30 days, summaries after 90', async () => {
    const old = makeTrace({ traceIndex: 1, startMs: T0 - 40 * DAY, spans: 4 });
    const older = makeTrace({ traceIndex: 2, startMs: T0 - 100 * DAY, spans: 4 });
    const fresh = makeTrace({ traceIndex: 3, startMs: T0, spans: 4 });
    await store.writeSpans([...old, ...older, ...fresh]);
    const removed = await store.applyTraceRetention(T0);
    expect(removed).toEqual({ spansRemoved: 8, summariesRemoved: 1 });
    expect(await store.trace(old[0]!.traceId)).toEqual([]);
    const listed = await store.searchTraces({ from: T0 - 200 * DAY, to: T0 + DAY, limit: 10 });
    expect(listed.map((t) => t.traceId)).toEqual([fresh[0]!.traceId, old[0]!.traceId]);
  });
});
