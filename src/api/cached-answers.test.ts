import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { QueryCache } from './query-cache.js';
import { LIVE_WINDOW_MS } from './cache-freshness.js';
import { createApiMetrics } from './api-metrics.js';
import { CachedAnswers, wantsFreshAnswer } from './cached-answers.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const OPTIONS = { maxBytes: 1 << 20, ttlMs: 60_000, liveTtlMs: 5_000 };

function answers(store?: QueryCache): CachedAnswers {
  return new CachedAnswers(
    { ...OPTIONS, ...(store ? { store } : {}) },
    createApiMetrics(new Registry()),
    () => NOW,
  );
}

describe('CachedAnswers', () => {
  it('gives the live time to live to answers whose range ends within the last two minutes or later', () => {
    const a = answers();
    expect(a.ttlFor(NOW + 60_000)).toBe(5_000);
    expect(a.ttlFor(NOW)).toBe(5_000);
    expect(a.ttlFor(NOW - LIVE_WINDOW_MS + 1)).toBe(5_000);
    expect(a.ttlFor(NOW - LIVE_WINDOW_MS)).toBe(60_000);
    expect(a.ttlFor(NOW - 86_400_000)).toBe(60_000);
  });

  it('never keeps a live answer longer than the settled time to live', () => {
    const a = new CachedAnswers({ ...OPTIONS, ttlMs: 2_000 }, createApiMetrics(new Registry()), () => NOW);
    expect(a.ttlFor(NOW)).toBe(2_000);
  });

  it('stores through the QueryCache interface, as JSON text with the time to live of its range', async () => {
    const sets: [string, string, number][] = [];
    const shared: QueryCache = {
      get: async (key) => (key === 'known' ? `${NOW - 1_000}\n{"from":"shared"}` : undefined),
      set: async (key, json, ttlMs) => void sets.push([key, json, ttlMs]),
    };
    const a = answers(shared);
    expect(
      await a.cached({ query: 'q', key: 'known', rangeEnd: NOW }, async () => ({ from: 'store' })),
    ).toEqual({
      value: { from: 'shared' },
      cache: 'hit',
    });
    const miss = await a.cached({ query: 'q', key: 'new', rangeEnd: NOW - 3_600_000 }, async () => ({
      n: [1, 2],
    }));
    expect(miss).toEqual({ value: { n: [1, 2] }, cache: 'miss' });
    // Each answer is kept with the time the store was asked for it.
    expect(sets).toEqual([['new', `${NOW}\n{"n":[1,2]}`, 60_000]]);
  });

  it('passes a failed query on to every request waiting for it, and keeps nothing', async () => {
    const a = answers();
    let fail!: (err: Error) => void;
    const request = { query: 'q', key: 'k', rangeEnd: NOW };
    const first = a.cached(request, () => new Promise((_, reject) => (fail = reject)));
    const second = a.cached(request, async () => 'never asked');
    await new Promise((resolve) => setImmediate(resolve));
    fail(new Error('store away'));
    await expect(first).rejects.toThrow('store away');
    await expect(second).rejects.toThrow('store away');
    expect(await a.cached(request, async () => 'fresh')).toEqual({ value: 'fresh', cache: 'miss' });
  });

  it('asks the store again when data in the range was stored after the answer was computed', async () => {
    let now = NOW;
    let notify: (from: number) => void = () => undefined;
    const a = new CachedAnswers(
      { ...OPTIONS, storedData: (listener) => (notify = listener) },
      createApiMetrics(new Registry()),
      () => now,
    );
    let version = 0;
    const ask = (rangeEnd: number) =>
      a.cached({ query: 'q', key: `range-to-${rangeEnd}`, rangeEnd }, async () => ++version);
    const lastWeek = NOW - 7 * 86_400_000;
    const yesterday = NOW - 86_400_000;
    expect(await ask(lastWeek)).toEqual({ value: 1, cache: 'miss' });
    expect(await ask(yesterday)).toEqual({ value: 2, cache: 'miss' });

    now += 5_000;
    // A backfill lands two days back: last week's answer still holds, yesterday's does not.
    notify(NOW - 2 * 86_400_000);
    now += 1_000;
    expect(await ask(lastWeek)).toEqual({ value: 1, cache: 'hit' });
    expect(await ask(yesterday)).toEqual({ value: 3, cache: 'miss' });
    now += 5_000;
    expect(await ask(yesterday)).toEqual({ value: 3, cache: 'hit' });
  });

  it('leaves writes of live minutes to the live time to live', async () => {
    let now = NOW;
    let notify: (from: number) => void = () => undefined;
    const a = new CachedAnswers(
      { ...OPTIONS, storedData: (listener) => (notify = listener) },
      createApiMetrics(new Registry()),
      () => now,
    );
    let version = 0;
    const ask = () =>
      a.cached({ query: 'q', key: 'last-hour', rangeEnd: NOW + 60_000 }, async () => ++version);
    expect(await ask()).toEqual({ value: 1, cache: 'miss' });
    now += 1_000;
    notify(NOW - 60_000);
    expect(await ask()).toEqual({ value: 1, cache: 'hit' });
    now += 5_000;
    expect(await ask()).toEqual({ value: 2, cache: 'miss' });
  });

  it('keeps no answer over minutes whose data is on its way until it is due to be stored', async () => {
    let now = NOW;
    let notify: (from: number, pendingMs?: number) => void = () => undefined;
    const a = new CachedAnswers(
      { ...OPTIONS, storedData: (listener) => (notify = listener) },
      createApiMetrics(new Registry()),
      () => now,
    );
    let version = 0;
    const yesterday = NOW - 86_400_000;
    const ask = () => a.cached({ query: 'q', key: 'yesterday', rangeEnd: yesterday }, async () => ++version);
    notify(yesterday - 3_600_000, 15_000);
    now += 1_000;
    expect(await ask()).toEqual({ value: 1, cache: 'miss' });
    now += 10_000;
    // Still before the write is due: the answer may predate it.
    expect(await ask()).toEqual({ value: 2, cache: 'miss' });
    now += 5_000;
    expect(await ask()).toEqual({ value: 3, cache: 'miss' });
    now += 1_000;
    expect(await ask()).toEqual({ value: 3, cache: 'hit' });
  });

  it.each([
    [{ 'cache-control': 'no-cache' }, true],
    [{ 'cache-control': 'max-age=0, No-Cache' }, true],
    [{ 'cache-control': ['private', 'no-cache'] }, true],
    [{ 'cache-control': 'max-age=60' }, false],
    [{ 'cache-control': 'no-cache-please' }, false],
    [{}, false],
  ])('reads %j as a request for a fresh answer: %s', (headers, fresh) => {
    expect(wantsFreshAnswer(headers)).toBe(fresh);
  });
});
