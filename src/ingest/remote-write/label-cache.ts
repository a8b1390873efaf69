import type { PromSeriesNames } from './prometheus-series.js';

/**
 * Bytes held by one generation of the cache, estimated (the key, its tags, and the objects
 * around them). Two generations at most: 64 MiB for the collector. At about 500 bytes a series,
 * 32 MiB keeps some 60,000 series decoded; a sender with more still works, decoding the labels of
 * those that fell out (the cache only saves work).
 */
export const LABEL_CACHE_GENERATION_BYTES = 32 * 2 ** 20;

const ENTRY_OVERHEAD_BYTES = 160;

/**
 * The decoded labels of remote_write 1.0 series, keyed by their bytes on the wire. A 1.0 request
 * repeats every series' labels in full, and Prometheus sends the same series every scrape interval;
 * decoding their strings (a dozen per series) is most of the cost of a request. The key is the
 * labels' bytes read as latin1 (one char per byte: exact, and V8 hashes it natively).
 *
 * Bounded by two generations: entries go into the young one; when it is full it becomes the old
 * one and the previous old one is dropped; a hit in the old one moves the entry to the young one.
 * So the series sent in the last generation's worth of traffic stay, with no per-entry bookkeeping.
 */
export class LabelCache {
  private young = new Map<string, PromSeriesNames | null>();
  private old = new Map<string, PromSeriesNames | null>();
  private youngBytes = 0;

  constructor(private readonly generationBytes = LABEL_CACHE_GENERATION_BYTES) {}

  /** The names of a label set seen before; null for one without `__name__`; undefined when unknown. */
  get(key: string): PromSeriesNames | null | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const old = this.old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, names: PromSeriesNames | null): void {
    let bytes = key.length + ENTRY_OVERHEAD_BYTES;
    if (names !== null) for (const t of names.tags) bytes += t.length;
    if (this.youngBytes + bytes > this.generationBytes) {
      this.old = this.young;
      this.young = new Map();
      this.youngBytes = 0;
    }
    this.young.set(key, names);
    this.youngBytes += bytes;
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

/** The cache key of a byte range: one char per byte. */
export function byteKey(buf: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}
