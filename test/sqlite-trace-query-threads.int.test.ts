/**
 * SqliteTraceStore with query threads answers exactly as it does inline: one generated set of
 * spans in a real traces.db, every read (a trace by id, searches with each kind of condition, the
 * service map, the listings) asked of a store whose reads run on worker threads and of one that
 * reads on the calling thread. The store is the built one (dist/, `npm run build`): a worker thread
 * loads the compiled thread entry beside the store, as `vantage start` does.
 *
 *   npm run build && npx vitest run --project integration test/sqlite-trace-query-threads.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Storage from '../src/storage/index.js';
import type { SqliteTraceStore as SqliteTraceStoreType, TraceSearch } from '../src/storage/index.js';
import { makeTraces } from './support/trace-fixtures.js';
import { REPO_ROOT } from './support/vantage-process.js';

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
const HOUR = 3_600_000;
const FOREVER = { spansMs: 1e13, summariesMs: 1e13 };
const spans = makeTraces(200, T0, 60_000);

let dir: string;
let inline: SqliteTraceStoreType;
let pooled: SqliteTraceStoreType;

beforeAll(async () => {
  const { SqliteTraceStore } = (await import(
    pathToFileURL(join(REPO_ROOT, 'dist', 'storage', 'index.js')).href
  )) as typeof Storage;
  dir = mkdtempSync(join(tmpdir(), 'vantage-trace-threads-'));
  const path = join(dir, 'traces.db');
  inline = new SqliteTraceStore({ path, retention: FOREVER });
  for (let i = 0; i < spans.length; i += 500) await inline.writeSpans(spans.slice(i, i + 500));
  pooled = new SqliteTraceStore({ path, retention: FOREVER, queryThreads: 2 });
});

afterAll(async () => {
  await pooled?.close();
  await inline?.close();
  rmSync(dir, { recursive: true, force: true });
});

const window = { from: T0, to: T0 + 4 * HOUR, limit: 1000 };
const SEARCHES: readonly TraceSearch[] = [
  window,
  { ...window, limit: 7 },
  { ...window, service: 'payments' },
  { ...window, service: 'checkout', operation: 'PlaceOrder' },
  { ...window, minDurationMs: 150 },
  { ...window, status: 'error' },
  { ...window, tags: { 'http.status_code': '500' } },
];

describe('SQLite trace reads on query threads', () => {
  it('finds a trace by id as the inline reader does, and nothing for an unknown id', async () => {
    for (const traceId of [spans[0]?.traceId, spans[spans.length - 1]?.traceId, '0'.repeat(32)]) {
      const expected = await inline.trace(traceId ?? '');
      expect(await pooled.trace(traceId ?? '')).toEqual(expected);
    }
    expect((await pooled.trace(spans[0]?.traceId ?? '')).length).toBeGreaterThan(1);
  });

  it.each(SEARCHES.map((q, i) => [i, q] as const))('answers search %i alike', async (_, query) => {
    const expected = await inline.searchTraces(query);
    expect(await pooled.searchTraces(query)).toEqual(expected);
  });

  it('draws the same service map and lists the same services and operations', async () => {
    const calls = await inline.serviceCalls(T0, T0 + 4 * HOUR);
    expect(calls.length).toBeGreaterThan(0);
    expect(await pooled.serviceCalls(T0, T0 + 4 * HOUR)).toEqual(calls);
    const services = await inline.traceServices();
    expect(await pooled.traceServices()).toEqual(services);
    for (const service of services) {
      expect(await pooled.operations(service)).toEqual(await inline.operations(service));
    }
  });

  it('answers reads asked at once, each with its own answer', async () => {
    const ids = [...new Set(spans.map((s) => s.traceId))].slice(0, 40);
    const answers = await Promise.all(ids.map((id) => pooled.trace(id)));
    answers.forEach((answer, i) => {
      expect(answer.length).toBeGreaterThan(0);
      expect(answer.every((s) => s.traceId === ids[i])).toBe(true);
    });
  });
});
