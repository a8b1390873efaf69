import type { MetricType } from '../core/index.js';

/** Which limit a new series ran into. */
export type SeriesLimitScope = 'metric' | 'service' | 'total';

export interface SeriesLimits {
  /** Active series of one (service, metric name). */
  readonly perMetric: number;
  /** Active series of one service. */
  readonly perService: number;
  /** Active series in this collector. */
  readonly total: number;
  /** A series not seen for this long is no longer active. */
  readonly windowMs: number;
}

export interface SeriesRefusal {
  readonly scope: SeriesLimitScope;
  readonly limit: number;
}

const EMPTY = 0;
const MINUTE_MS = 60_000;
const MIN_CAPACITY = 1024;

/**
 * The series this collector saw within the window, with counts per metric, per service and in
 * total, so that a new series past any limit is refused while series already active keep flowing
 * (Prometheus's sample_limit, VictoriaMetrics's series limiters, Mimir's per-metric limit).
 *
 * Memory is bounded by the total limit by design: a series is not its key text but a 64-bit hash
 * in an open-addressing table of typed arrays (two hash halves, the minute last seen, the index of
 * its metric): 16 bytes a slot, at most half the slots used, so 32-64 bytes per active series
 * whatever the length of its tags. A hash collision makes a new series pass for an active one;
 * at a million series in 2^64 the odds are about 1 in 30 million, and the cost of one is one
 * series admitted past the limit. Metrics and services are kept by name (they are few, and each
 * has at least one active series, so the total limit bounds them too).
 */
/** A series' identity as the tracker files it (two 32-bit halves of a 64-bit hash). */
export interface SeriesHash {
  readonly hi: number;
  readonly lo: number;
}

export class ActiveSeriesTracker {
  private capacity = MIN_CAPACITY;
  private hashHi = new Uint32Array(MIN_CAPACITY);
  private hashLo = new Uint32Array(MIN_CAPACITY);
  /** Minute (epoch minutes + 1, so that 0 means an empty slot) the series was last seen. */
  private seen = new Uint32Array(MIN_CAPACITY);
  private metricOf = new Uint32Array(MIN_CAPACITY);
  private size = 0;
  private readonly metricIds = new Map<string, number>();
  private readonly metrics: { service: number; count: number; key: string }[] = [];
  private readonly freeMetricIds: number[] = [];
  private readonly serviceIds = new Map<string, number>();
  private readonly serviceCounts: number[] = [];
  private lastSweepMinute = 0;

  constructor(private readonly limits: SeriesLimits) {}

  /** Active series now (after the last sweep). */
  get activeSeries(): number {
    return this.size;
  }

  /** Bytes held by the hash table (the part that grows with the series). */
  get tableBytes(): number {
    return this.capacity * 16;
  }

  /**
   * Marks the series seen at `now`, or refuses it when it is new and a limit is reached. The
   * check runs before a metric or service is added, so refused series leave nothing behind.
   */
  admit(
    service: string,
    name: string,
    type: MetricType,
    tagsText: string,
    now: number,
  ): SeriesRefusal | undefined {
    const { hi, lo } = this.seriesHash(service, name, type, tagsText);
    return this.admitHashed(service, name, hi, lo, now);
  }

  /** The 64-bit hash admit() files a series under, for a caller that remembers it per series. */
  seriesHash(service: string, name: string, type: MetricType, tagsText: string): SeriesHash {
    return {
      hi: hashText(service, name, type, tagsText, 0x9e3779b1),
      lo: hashText(service, name, type, tagsText, 0x85ebca77),
    };
  }

  /** admit() for a series whose hash (seriesHash) is known. */
  admitHashed(service: string, name: string, hi: number, lo: number, now: number): SeriesRefusal | undefined {
    const minute = Math.floor(now / MINUTE_MS) + 1;
    if (minute - this.lastSweepMinute >= 1) this.sweep(minute);
    const mask = this.capacity - 1;
    let slot = (hi ^ Math.imul(lo, 0x27d4eb2f)) & mask;
    while (this.seen[slot] !== EMPTY) {
      if (this.hashHi[slot] === hi && this.hashLo[slot] === lo) {
        this.seen[slot] = minute;
        return undefined;
      }
      slot = (slot + 1) & mask;
    }
    const metricKey = `${service}\u0000${name}`;
    const metricId = this.metricIds.get(metricKey);
    const metricCount = metricId === undefined ? 0 : (this.metrics[metricId]?.count ?? 0);
    if (metricCount >= this.limits.perMetric) return { scope: 'metric', limit: this.limits.perMetric };
    const serviceId = this.serviceIds.get(service);
    const serviceCount = serviceId === undefined ? 0 : (this.serviceCounts[serviceId] ?? 0);
    if (serviceCount >= this.limits.perService) return { scope: 'service', limit: this.limits.perService };
    if (this.size >= this.limits.total) return { scope: 'total', limit: this.limits.total };

    const m = metricId ?? this.addMetric(metricKey, serviceId ?? this.addService(service));
    const metric = this.metrics[m] as { service: number; count: number };
    metric.count += 1;
    this.serviceCounts[metric.service] = (this.serviceCounts[metric.service] ?? 0) + 1;
    this.hashHi[slot] = hi;
    this.hashLo[slot] = lo;
    this.seen[slot] = minute;
    this.metricOf[slot] = m;
    this.size += 1;
    if (this.size * 2 > this.capacity) this.rebuild(this.capacity * 2, 0);
    return undefined;
  }

  private addService(service: string): number {
    const id = this.serviceCounts.length;
    this.serviceIds.set(service, id);
    this.serviceCounts.push(0);
    return id;
  }

  private addMetric(key: string, service: number): number {
    const reused = this.freeMetricIds.pop();
    const entry = { service, count: 0, key };
    if (reused !== undefined) {
      this.metrics[reused] = entry;
      this.metricIds.set(key, reused);
      return reused;
    }
    this.metrics.push(entry);
    this.metricIds.set(key, this.metrics.length - 1);
    return this.metrics.length - 1;
  }

  /** Drops the series not seen within the window, once a minute (a pass over the table). */
  private sweep(minute: number): void {
    this.lastSweepMinute = minute;
    const windowMinutes = Math.max(1, Math.ceil(this.limits.windowMs / MINUTE_MS));
    const oldest = minute - windowMinutes;
    let live = 0;
    for (let i = 0; i < this.capacity; i++) {
      const s = this.seen[i] as number;
      if (s !== EMPTY && s >= oldest) live += 1;
    }
    if (live === this.size) return;
    let capacity = this.capacity;
    // Shrink after a burst went quiet, so that memory follows the active series down too.
    while (capacity > MIN_CAPACITY && live * 8 < capacity) capacity /= 2;
    this.rebuild(capacity, oldest);
  }

  /** Re-inserts the series seen at `oldest` or later into a table of `capacity` slots. */
  private rebuild(capacity: number, oldest: number): void {
    const { hashHi, hashLo, seen, metricOf } = this;
    this.capacity = capacity;
    this.hashHi = new Uint32Array(capacity);
    this.hashLo = new Uint32Array(capacity);
    this.seen = new Uint32Array(capacity);
    this.metricOf = new Uint32Array(capacity);
    const mask = capacity - 1;
    let size = 0;
    for (let i = 0; i < seen.length; i++) {
      const s = seen[i] as number;
      if (s === EMPTY) continue;
      const m = metricOf[i] as number;
      if (s < oldest) {
        this.forget(m);
        continue;
      }
      const hi = hashHi[i] as number;
      const lo = hashLo[i] as number;
      let slot = (hi ^ Math.imul(lo, 0x27d4eb2f)) & mask;
      while (this.seen[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.hashHi[slot] = hi;
      this.hashLo[slot] = lo;
      this.seen[slot] = s;
      this.metricOf[slot] = m;
      size += 1;
    }
    this.size = size;
  }

  private forget(metricId: number): void {
    const metric = this.metrics[metricId];
    if (metric === undefined) return;
    metric.count -= 1;
    this.serviceCounts[metric.service] = (this.serviceCounts[metric.service] ?? 1) - 1;
    if (metric.count === 0) {
      this.metricIds.delete(metric.key);
      this.freeMetricIds.push(metricId);
    }
  }
}

/**
 * A 32-bit hash of a series' identity (murmur3's mixing over UTF-16 code units, seeded), without
 * building the key text. Two seeds give the two halves of the 64-bit hash.
 */
function hashText(service: string, name: string, type: string, tags: string, seed: number): number {
  let h = seed;
  h = mix(h, service);
  h = mix(Math.imul(h ^ 0xff, 0x01000193), name);
  h = mix(Math.imul(h ^ 0xfe, 0x01000193), type);
  h = mix(Math.imul(h ^ 0xfd, 0x01000193), tags);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mix(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return h ^ text.length;
}
