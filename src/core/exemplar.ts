import { aggregateKey } from './aggregate.js';
import type { MetricType } from './sample.js';

/** A sample's link to a trace: what a protocol carried beside a point. */
export interface Exemplar {
  /** Epoch ms, whole. */
  readonly timestamp: number;
  readonly value: number;
  /** Lower-case hex, '' when absent. */
  readonly traceId: string;
  readonly spanId: string;
}

/** The exemplars kept for one series-minute of a stored gauge or counter, latest first. */
export interface SeriesExemplars {
  readonly service: string;
  readonly name: string;
  readonly type: MetricType;
  /** Canonical tag text (canonicalTags). */
  readonly tags: string;
  /** Minute start, epoch ms. */
  readonly start: number;
  readonly exemplars: Exemplar[];
}

/**
 * Exemplars kept per series-minute, everywhere: in the collector's aggregator, across the bus
 * messages a worker merges, and in the stores. A few are what a graph needs to link a minute to
 * traces; keeping every one would grow with the traffic rather than with the series.
 */
export const EXEMPLARS_PER_SERIES_MINUTE = 3;

/** Longest trace or span id kept, in hex digits (W3C: 32 and 16); longer ones are refused. */
export const EXEMPLAR_ID_MAX_HEX = 64;

/**
 * Which exemplars a series-minute keeps: the latest by time. Why the latest rather than the
 * extreme values: it is the rule Prometheus' exemplar storage follows, a graph links a minute to
 * what happened at its end as well as anywhere, and the extremes of a distribution are already
 * kept as min, max and the sketch. The order is total (time, then value, then ids, all
 * descending), so keeping the first N of any union gives the same N whatever order the parts
 * were merged in: two collectors, several messages, a replayed batch.
 */
export function exemplarOrder(a: Exemplar, b: Exemplar): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  if (a.value !== b.value) return b.value > a.value ? 1 : -1;
  if (a.traceId !== b.traceId) return b.traceId > a.traceId ? 1 : -1;
  if (a.spanId !== b.spanId) return b.spanId > a.spanId ? 1 : -1;
  return 0;
}

/**
 * Adds one exemplar to a series-minute's list (latest first, at most
 * EXEMPLARS_PER_SERIES_MINUTE), the one place that applies the rule. Returns how many were
 * dropped: 0, or 1 when the list was full (the new one or the oldest held) or held it already.
 */
export function keepExemplar(list: Exemplar[], e: Exemplar): number {
  let at = 0;
  while (at < list.length) {
    const order = exemplarOrder(e, list[at] as Exemplar);
    if (order === 0) return 1;
    if (order < 0) break;
    at++;
  }
  if (at >= EXEMPLARS_PER_SERIES_MINUTE) return 1;
  list.splice(at, 0, e);
  if (list.length <= EXEMPLARS_PER_SERIES_MINUTE) return 0;
  list.length = EXEMPLARS_PER_SERIES_MINUTE;
  return 1;
}

/** The key of a series-minute, the same as its aggregate's. */
export function exemplarKey(s: Omit<SeriesExemplars, 'exemplars'>): string {
  return aggregateKey(s);
}

/** Merges a series-minute's exemplars into a map of them (keyed by exemplarKey); returns those dropped. */
export function mergeSeriesExemplars(into: Map<string, SeriesExemplars>, s: SeriesExemplars): number {
  const key = exemplarKey(s);
  const held = into.get(key);
  if (held === undefined) {
    const list: Exemplar[] = [];
    let dropped = 0;
    for (const e of s.exemplars) dropped += keepExemplar(list, e);
    into.set(key, { ...s, exemplars: list });
    return dropped;
  }
  let dropped = 0;
  for (const e of s.exemplars) dropped += keepExemplar(held.exemplars, e);
  return dropped;
}
