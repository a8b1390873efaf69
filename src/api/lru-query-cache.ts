import { LRUCache } from 'lru-cache';
import type { QueryCache, QueryCacheUsage } from './query-cache.js';

export interface LruQueryCacheOptions {
  /** Memory bound of keys and answers together, in bytes. */
  readonly maxBytes: number;
  /** Milliseconds; a test passes a fake clock to step time. */
  readonly clock?: () => number;
  /** Called for each entry pushed out to make room for another (expiry is not eviction). */
  readonly onEvict?: () => void;
}

/**
 * The in-process query cache: least recently used answers go first once `maxBytes` is reached,
 * and each answer expires after the time to live it was stored with.
 *
 * A string is counted at two bytes per UTF-16 code unit, V8's size for text that is not pure
 * Latin-1: an upper bound, so the cache never holds more than it says. One answer may take at most
 * a quarter of the cache, so that a single huge answer cannot flush everything else.
 */
export class LruQueryCache implements QueryCache {
  private readonly lru: LRUCache<string, string>;

  constructor(options: LruQueryCacheOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('LruQueryCache needs maxBytes > 0');
    const clock = options.clock ?? Date.now;
    this.lru = new LRUCache<string, string>({
      maxSize: options.maxBytes,
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 4)),
      sizeCalculation: (json, key) => 2 * (key.length + json.length),
      // lru-cache otherwise reads the clock at most once per millisecond of real time, which a
      // fake clock stepping in a test would not move.
      ttlResolution: 0,
      perf: { now: clock },
      dispose: (_json, _key, reason) => {
        if (reason === 'evict') options.onEvict?.();
      },
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, json: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    this.lru.set(key, json, { ttl: ttlMs });
  }

  /** Expired answers count until they are read or pushed out: they hold the memory until then. */
  usage(): QueryCacheUsage {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }
}
