import { addSample, aggregateKey, laterWins, newAggregate } from './aggregate.js';
import type { Aggregate } from './aggregate.js';
import { addReading, newPartial } from './cumulative.js';
import type { CumulativePartial, CumulativeReading } from './cumulative.js';
import { keepExemplar } from './exemplar.js';
import type { Exemplar, SeriesExemplars } from './exemplar.js';
import type { Distribution } from './histogram.js';
import { MINUTE_MS, floorTo } from './sample.js';
import type { MetricType, Sample } from './sample.js';
import { canonicalTags } from './series-key.js';

/**
 * Pre-aggregation by minute: folds samples into one partial aggregate per (service, name, type,
 * tags, minute), and the totals of cumulative series into one CumulativePartial per series-minute
 * (src/core/cumulative.ts), and keeps a few exemplars per series-minute (src/core/exemplar.ts).
 * Drained whole at each flush; what it hands out is no longer touched.
 */
export class MinuteAggregator {
  private aggregates = new Map<string, Aggregate>();
  private cumulatives = new Map<string, CumulativePartial>();
  private exemplars = new Map<string, SeriesExemplars>();
  private samples = 0;

  /** Samples folded in since the last drain. */
  get sampleCount(): number {
    return this.samples;
  }

  get size(): number {
    return this.aggregates.size + this.cumulatives.size;
  }

  add(sample: Sample): void {
    this.addValue(
      sample.service,
      sample.name,
      sample.type,
      canonicalTags(sample.tags),
      sample.timestamp,
      sample.value,
    );
  }

  /** One value of a gauge, or one increase of a counter; `tags` in canonical text. */
  addValue(
    service: string,
    name: string,
    type: MetricType,
    tags: string,
    timestamp: number,
    value: number,
  ): void {
    addSample(this.aggregateFor(service, name, type, tags, timestamp), value, timestamp);
    this.samples += 1;
  }

  /** The observations of a histogram point (a delta histogram), as one gauge's. */
  addDistribution(service: string, name: string, tags: string, timestamp: number, d: Distribution): void {
    this.samples += 1;
    if (!(d.count > 0)) return;
    const agg = this.aggregateFor(service, name, 'gauge', tags, timestamp);
    agg.count += d.count;
    agg.sum += d.sum;
    if (d.min < agg.min) agg.min = d.min;
    if (d.max > agg.max) agg.max = d.max;
    const mean = d.sum / d.count;
    if (laterWins(timestamp, mean, agg.lastTimestamp, agg.last)) {
      agg.last = mean;
      agg.lastTimestamp = timestamp;
    }
    agg.sketch?.merge(d.sketch);
  }

  /** A running total of a cumulative series (counter or histogram); `start` NaN when unknown. */
  addCumulative(
    service: string,
    name: string,
    tags: string,
    timestamp: number,
    start: number,
    reading: CumulativeReading,
  ): void {
    this.samples += 1;
    const minute = floorTo(timestamp, MINUTE_MS);
    const key = `${service}\u0000${name}\u0000${reading.sketch === null ? 'c' : 'h'}\u0000${tags}\u0000${minute}`;
    const partial = this.cumulatives.get(key);
    if (partial === undefined) {
      this.cumulatives.set(key, newPartial(service, name, tags, minute, timestamp, start, reading));
    } else addReading(partial, timestamp, start, reading);
  }

  /**
   * An exemplar of a series as stored (a cumulative series is a counter, a histogram a gauge),
   * filed under the minute of its own time. At most EXEMPLARS_PER_SERIES_MINUTE are held per
   * series-minute, whatever arrives; returns how many this call dropped (0 or 1).
   */
  addExemplar(service: string, name: string, type: MetricType, tags: string, e: Exemplar): number {
    const start = floorTo(e.timestamp, MINUTE_MS);
    const key = aggregateKey({ service, name, type, tags, start });
    let held = this.exemplars.get(key);
    if (held === undefined) {
      held = { service, name, type, tags, start, exemplars: [] };
      this.exemplars.set(key, held);
    }
    return keepExemplar(held.exemplars, e);
  }

  drain(): {
    aggregates: Aggregate[];
    cumulatives: CumulativePartial[];
    exemplars: SeriesExemplars[];
    samples: number;
  } {
    const out = {
      aggregates: [...this.aggregates.values()],
      cumulatives: [...this.cumulatives.values()],
      exemplars: [...this.exemplars.values()],
      samples: this.samples,
    };
    this.aggregates = new Map();
    this.cumulatives = new Map();
    this.exemplars = new Map();
    this.samples = 0;
    return out;
  }

  private aggregateFor(
    service: string,
    name: string,
    type: MetricType,
    tags: string,
    timestamp: number,
  ): Aggregate {
    const start = floorTo(timestamp, MINUTE_MS);
    const key = aggregateKey({ service, name, type, tags, start });
    let agg = this.aggregates.get(key);
    if (agg === undefined) {
      agg = newAggregate(service, name, type, tags, start);
      this.aggregates.set(key, agg);
    }
    return agg;
  }
}
