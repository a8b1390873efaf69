import { AGGREGATIONS, stepValue } from '../../../src/core/step-value';
import type { Aggregation } from '../../../src/core/step-value';
import type { Point, StreamPoint, TimeseriesSeries } from '../api/types';
import type { ChartSeries } from '../charts/series';

/** The aggregations a chart can ask for (the API's `agg`). */
export type Agg = Aggregation;

export const AGGS: readonly Agg[] = AGGREGATIONS;

/** Percentiles need the stored sketches: a stream's partial minute carries none. */
export function isPercentile(agg: Agg): boolean {
  return agg.startsWith('p');
}

interface Accumulated {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  counter: boolean;
}

export interface LiveSeriesOptions {
  readonly agg: Agg;
  readonly stepMs: number;
  /** Tag keys the chart groups by: one line per combination of their values. */
  readonly groupBy: readonly string[];
  /** When the subscription started (epoch ms). */
  readonly since: number;
  /** How a group's tags read as a line label. */
  readonly label: (tags: Record<string, string>) => string;
}

/**
 * A chart's lines in live mode: the stored series it was loaded with, plus the stream's partial
 * minute aggregates folded into steps.
 *
 * A stream message holds what arrived since the previous one, so partials add up; but the store
 * already holds part of the step that was in progress when the subscription started, and the two
 * cannot be told apart. So steps that start at or after the subscription are the stream's own
 * (exact for count, sum, min, max, last, avg and rate), and earlier steps keep their stored value,
 * refreshed from the store by `replaceStored` (`needsStoreRefresh` says when). Percentiles need
 * the store's sketches, so for them every step comes from the store.
 */
export class LiveSeries {
  private readonly stored = new Map<string, { tags: Record<string, string>; points: Map<number, number> }>();
  private readonly live = new Map<string, Map<number, Accumulated>>();
  /** Each group's stored points in time order, as of `storedVersion`. */
  private readonly sorted = new Map<string, { storedVersion: number; points: Point[] }>();
  private readonly firstLiveStep: number;
  private version = 0;
  /** Bumped when the store answers, so that sorted copies of stored points are made again. */
  private storedVersion = 0;
  private cache: { version: number; series: ChartSeries[] } | undefined;

  constructor(private readonly options: LiveSeriesOptions) {
    this.firstLiveStep = Math.ceil(options.since / options.stepMs) * options.stepMs;
  }

  /** Stored series (from GET /metrics/timeseries), merged over what was stored before. */
  replaceStored(series: readonly TimeseriesSeries[]): void {
    for (const s of series) {
      const key = this.keyOf(s.tags);
      const entry = this.stored.get(key) ?? {
        tags: this.groupTags(s.tags),
        points: new Map<number, number>(),
      };
      for (const [t, v] of s.points) entry.points.set(t, v);
      this.stored.set(key, entry);
    }
    this.storedVersion++;
    this.version++;
  }

  /**
   * Folds a stream message in. Answers whether a chart must redraw now, and whether the store
   * should be asked again (new data for a step the stream does not own).
   */
  add(points: readonly StreamPoint[]): { changed: boolean; needsStoreRefresh: boolean } {
    let changed = false;
    let needsStoreRefresh = false;
    const { stepMs } = this.options;
    for (const p of points) {
      if (p.count <= 0) continue;
      const step = Math.floor(p.t / stepMs) * stepMs;
      if (step < this.firstLiveStep || isPercentile(this.options.agg)) {
        needsStoreRefresh = true;
        continue;
      }
      const key = this.keyOf(p.tags);
      if (!this.stored.has(key)) this.stored.set(key, { tags: this.groupTags(p.tags), points: new Map() });
      let steps = this.live.get(key);
      if (!steps) this.live.set(key, (steps = new Map()));
      const acc = steps.get(step);
      if (acc) {
        acc.count += p.count;
        acc.sum += p.sum;
        acc.min = Math.min(acc.min, p.min);
        acc.max = Math.max(acc.max, p.max);
        acc.last = p.last;
      } else {
        steps.set(step, {
          count: p.count,
          sum: p.sum,
          min: p.min,
          max: p.max,
          last: p.last,
          counter: p.type === 'counter',
        });
      }
      changed = true;
    }
    if (changed) this.version++;
    return { changed, needsStoreRefresh };
  }

  /** The lines to draw, in a stable order (by label); the same array until something changes. */
  series(): ChartSeries[] {
    if (this.cache?.version === this.version) return this.cache.series;
    const out: ChartSeries[] = [];
    for (const [key, entry] of this.stored) {
      const liveSteps = this.live.get(key);
      const live: Point[] = [];
      for (const [step, acc] of liveSteps ?? []) {
        const v = valueOf(this.options.agg, acc, this.options.stepMs);
        if (v !== undefined) live.push([step, v]);
      }
      // Stored steps are sorted once when stored; a live append only adds the few live steps.
      const stored = this.sortedStored(key, entry.points);
      const kept = live.length ? stored.filter((p) => !liveSteps?.has(p[0])) : stored;
      const points = live.length ? [...kept, ...live.sort((a, b) => a[0] - b[0])] : kept;
      if (live.length && kept.length && (kept[kept.length - 1] as Point)[0] > (live[0] as Point)[0]) {
        points.sort((a, b) => a[0] - b[0]);
      }
      out.push({ label: this.options.label(entry.tags), points });
    }
    out.sort((a, b) => a.label.localeCompare(b.label));
    this.cache = { version: this.version, series: out };
    return out;
  }

  /** A group's stored points in time order, sorted again only after the store answered anew. */
  private sortedStored(key: string, points: Map<number, number>): Point[] {
    const known = this.sorted.get(key);
    if (known && known.storedVersion === this.storedVersion) return known.points;
    const sorted: Point[] = [...points].sort((a, b) => a[0] - b[0]);
    this.sorted.set(key, { storedVersion: this.storedVersion, points: sorted });
    return sorted;
  }

  private groupTags(tags: Record<string, string>): Record<string, string> {
    return Object.fromEntries(this.options.groupBy.map((k) => [k, tags[k] ?? '']));
  }

  private keyOf(tags: Record<string, string>): string {
    return JSON.stringify(this.options.groupBy.map((k) => tags[k] ?? ''));
  }
}

/** The value of one step, as the API computes it; percentiles need sketches, which a stream lacks. */
function valueOf(agg: Agg, acc: Accumulated, stepMs: number): number | undefined {
  return stepValue(agg, { ...acc, sketch: undefined }, acc.counter ? 'counter' : 'gauge', stepMs);
}
