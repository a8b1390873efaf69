import { addSample, aggregateKey, newAggregate } from './aggregate.js';
import type { Aggregate } from './aggregate.js';
import { MINUTE_MS, floorTo } from './sample.js';
import type { Sample } from './sample.js';
import { canonicalTags } from './series-key.js';

/**
 * Pre-aggregation by minute: folds samples into one partial aggregate per (service, name, type,
 * tags, minute). Drained whole at each flush; what it hands out is no longer touched.
 */
export class MinuteAggregator {
  private aggregates = new Map<string, Aggregate>();
  private samples = 0;

  /** Samples folded in since the last drain. */
  get sampleCount(): number {
    return this.samples;
  }

  get size(): number {
    return this.aggregates.size;
  }

  add(sample: Sample): void {
    const tags = canonicalTags(sample.tags);
    const start = floorTo(sample.timestamp, MINUTE_MS);
    const key = aggregateKey({ service: sample.service, name: sample.name, type: sample.type, tags, start });
    let agg = this.aggregates.get(key);
    if (agg === undefined) {
      agg = newAggregate(sample.service, sample.name, sample.type, tags, start);
      this.aggregates.set(key, agg);
    }
    addSample(agg, sample.value, sample.timestamp);
    this.samples += 1;
  }

  drain(): { aggregates: Aggregate[]; samples: number } {
    const out = { aggregates: [...this.aggregates.values()], samples: this.samples };
    this.aggregates = new Map();
    this.samples = 0;
    return out;
  }
}
