import { LruQueryCache } from './lru-query-cache.js';
import type { QueryCache } from './query-cache.js';
import type { ApiMetrics } from './api-metrics.js';
import { RecentWrites, answerTtl } from './cache-freshness.js';
import type { StoredData } from './cache-freshness.js';

export interface QueryCacheOptions {
  /** Memory bound of the in-process cache, in bytes; 0 turns caching off. */
  readonly maxBytes: number;
  /** How long an answer about settled data is served (the seed's 60 s); 0 turns caching off. */
  readonly ttlMs: number;
  /** How long an answer whose range reaches into the last LIVE_WINDOW_MS is served. */
  readonly liveTtlMs: number;
  /** Another cache behind the same interface (a shared one); default: in process, `maxBytes`. */
  readonly store?: QueryCache;
  /** News of writes, which make cached answers over their minutes stale (./cache-freshness.ts). */
  readonly storedData?: StoredData;
}

/** What a route asks the cache for. */
export interface CacheRequest {
  /** The kind of query, the `query` label of the cache metrics: timeseries, vql, compare, ... */
  readonly query: string;
  /** The normalized query with its resolved, aligned time range (see vqlCacheKey). */
  readonly key: string;
  /** End (epoch ms, exclusive) of the time range the answer covers: it decides the time to live. */
  readonly rangeEnd: number;
  /**
   * The client asked for a fresh answer (`Cache-Control: no-cache`, see wantsFreshAnswer): the
   * store is asked, and its answer replaces the cached one.
   */
  readonly fresh?: boolean;
}

/** `hit`: served from the cache (or from the same query already running); `off`: no cache. */
export type CacheOutcome = 'hit' | 'miss' | 'off';

export interface CachedAnswer<T> {
  readonly value: T;
  readonly cache: CacheOutcome;
}

/** An answer as the cache or the store gave it; `value` is the store's, before serialization. */
interface Lookup {
  readonly json: string;
  readonly value: unknown;
  readonly cache: 'hit' | 'miss';
}

/** The response header that tells a client where its answer came from. */
export const CACHE_HEADER = 'x-vantage-cache';

/**
 * True when a request says `Cache-Control: no-cache`: the client (a dashboard's refresh, a
 * script waiting for data it just sent) wants the store's answer as of now, not a cached one.
 */
export function wantsFreshAnswer(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const value = headers['cache-control'];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.split(',').some((directive) => directive.trim().toLowerCase() === 'no-cache');
}

/**
 * The query API's answers through the query cache, served while ./cache-freshness.ts allows. A route wraps its store query in `cached`:
 *
 * ```ts
 * const { value, cache } = await answers.cached({ query: 'compare', key, rangeEnd: to }, () => compare(...));
 * reply.header(CACHE_HEADER, cache);
 * ```
 *
 * Identical queries that arrive while one is running wait for it instead of running again, so a
 * dashboard opened by many people at once costs the store one query per panel.
 */
export class CachedAnswers {
  private readonly store: QueryCache | undefined;
  private readonly running = new Map<string, Promise<Lookup>>();
  private readonly writes: RecentWrites;

  constructor(
    private readonly options: QueryCacheOptions | undefined,
    private readonly metrics: ApiMetrics,
    private readonly clock: () => number,
  ) {
    const on = options !== undefined && options.maxBytes > 0 && options.ttlMs > 0;
    this.store = !on
      ? undefined
      : (options.store ??
        new LruQueryCache({
          maxBytes: options.maxBytes,
          clock,
          onEvict: () => metrics.queryCacheEvictions.inc(),
        }));
    this.writes = new RecentWrites(options?.ttlMs ?? 0, clock);
    if (this.store !== undefined)
      options?.storedData?.((from, pendingMs) => this.dataStored(from, pendingMs));
  }

  /** Data for minutes from `from` on was stored, or will be within `pendingMs` (RecentWrites.note). */
  dataStored(from: number, pendingMs = 0): void {
    this.writes.note(from, pendingMs);
  }

  /** The time to live of an answer whose range ends at `rangeEnd` (answerTtl). */
  ttlFor(rangeEnd: number): number {
    return this.options === undefined ? 0 : answerTtl(this.options, rangeEnd, this.clock());
  }

  async cached<T>(request: CacheRequest, compute: () => Promise<T>): Promise<CachedAnswer<T>> {
    const store = this.store;
    if (store === undefined) return { value: await compute(), cache: 'off' };
    const labels = { query: request.query };
    const running = request.fresh ? undefined : this.running.get(request.key);
    if (running !== undefined) {
      this.metrics.queryCacheHits.inc(labels);
      return { value: JSON.parse((await running).json) as T, cache: 'hit' };
    }
    // Registered before the first await, so that identical requests from now on wait for this one.
    const lookup = this.lookUpOrCompute(store, request, compute);
    this.running.set(request.key, lookup);
    try {
      const { json, value, cache } = await lookup;
      (cache === 'hit' ? this.metrics.queryCacheHits : this.metrics.queryCacheMisses).inc(labels);
      return { value: (cache === 'hit' ? JSON.parse(json) : value) as T, cache };
    } finally {
      // A fresh request may have taken the key over meanwhile.
      if (this.running.get(request.key) === lookup) this.running.delete(request.key);
    }
  }

  private async lookUpOrCompute(
    store: QueryCache,
    request: CacheRequest,
    compute: () => Promise<unknown>,
  ): Promise<Lookup> {
    const found = request.fresh ? undefined : await store.get(request.key);
    if (found !== undefined) {
      // Stored as "<asOf>\n<answer>": asOf is when the store was asked (see below).
      const newline = found.indexOf('\n');
      if (!this.writes.since(Number(found.slice(0, newline)), request.rangeEnd))
        return { json: found.slice(newline + 1), value: undefined, cache: 'hit' };
    }
    // Taken before the store is asked: a write that lands while the query runs makes it stale.
    const asOf = this.clock();
    const value = await compute();
    const json = JSON.stringify(value);
    await store.set(request.key, `${asOf}\n${json}`, this.ttlFor(request.rangeEnd));
    this.updateUsage();
    return { json, value, cache: 'miss' };
  }

  private updateUsage(): void {
    const usage = this.store?.usage?.();
    if (usage === undefined) return;
    this.metrics.queryCacheEntries.set(usage.entries);
    this.metrics.queryCacheBytes.set(usage.bytes);
  }
}
