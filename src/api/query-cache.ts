/**
 * Where query answers are kept between requests. Answers are JSON text: their size is known
 * exactly, a cached answer cannot be changed by code that reads it, and a cache shared by several
 * API processes (Redis, memcached) can hold the same text as it is. The in-process LruQueryCache
 * implements it; another implementation only has to honour the contract below.
 */
export interface QueryCache {
  /**
   * The answer stored under `key`, or undefined when there is none or it has expired. Never
   * rejects: a cache that cannot answer (a shared cache that is away) reports a miss, so that the
   * query runs against the store instead of failing.
   */
  get(key: string): Promise<string | undefined>;
  /** Keeps `json` under `key` for `ttlMs` milliseconds at most (0: do not keep it). Never rejects. */
  set(key: string, json: string, ttlMs: number): Promise<void>;
  /** What an in-process cache holds, for the cache gauges; absent where it is not known cheaply. */
  usage?(): QueryCacheUsage;
}

export interface QueryCacheUsage {
  readonly entries: number;
  readonly bytes: number;
}
