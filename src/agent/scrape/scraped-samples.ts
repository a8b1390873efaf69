import type { Sample } from '../../core/index.js';
import { wireLimitProblem } from '../wire-format.js';
import type { CounterIncreases } from './counter-increases.js';
import type { ExpositionSample, Labels } from './exposition-parser.js';
import type { ScrapeTarget } from './scrape-targets.js';

/** Why an exposed sample was not shipped (the `reason` of vantage_agent_scrape_samples_dropped_total). */
export type DropReason = 'not_finite' | 'duplicate' | 'limits';

export interface ScrapedSamples {
  readonly samples: Sample[];
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Exemplars read; the JSON path has no place for them yet, so none is shipped. */
  readonly exemplars: number;
}

export interface MapOptions {
  readonly target: ScrapeTarget;
  readonly scrapeMs: number;
  readonly counters: CounterIncreases;
  /** Told of each sample the collector's limits would refuse (wire-format.ts), with the reason. */
  readonly onRefused: (sample: Sample, problem: string) => void;
}

/**
 * Prometheus counters travel as running totals; the JSON path takes counters as deltas. Which
 * exposed samples are totals: a counter's own samples, a histogram's `_bucket`, `_sum`, `_count`,
 * a summary's `_sum` and `_count`. Everything else (gauges, summary quantiles, gauge histograms,
 * info, stateset, untyped) goes as a gauge.
 */
function isRunningTotal(s: ExpositionSample): boolean {
  switch (s.type) {
    case 'counter':
      return s.suffix === '' || s.suffix === '_total';
    case 'histogram':
      return s.suffix === '_bucket' || s.suffix === '_sum' || s.suffix === '_count';
    case 'summary':
      return s.suffix === '_sum' || s.suffix === '_count';
    default:
      return false;
  }
}

/**
 * `_created` belongs to the counter, histogram or summary with the same labels, less `le` and
 * `quantile` (one creation time for all of a histogram's buckets).
 */
function createdKey(family: string, labels: Labels): string {
  const kept = labels.filter(([k]) => k !== 'le' && k !== 'quantile').map(([k, v]) => `${k}=${v}`);
  return `${family}\u0000${kept.sort().join('\u0000')}`;
}

/** Prometheus names may start with `:`, ours may not: it becomes `_`, as every refused character would. */
export function metricName(name: string): string {
  return name.replace(/^[^A-Za-z_]/, '_').replace(/[^A-Za-z0-9_.:]/g, '_');
}

/**
 * The tags of one exposed sample, as Prometheus labels it with honor_labels off: exposed labels
 * that clash with a target label are kept as `exported_<name>`, then the target's labels and
 * `instance` are added. An empty value means no label (Prometheus' rule). `job` is not a tag: it
 * is the service.
 */
export function targetTags(target: ScrapeTarget, labels: Labels): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, value] of labels) {
    if (value === '') continue;
    const clashes = name === 'job' || name === 'instance' || name in target.labels;
    tags[clashes ? `exported_${name}` : name] = value;
  }
  Object.assign(tags, target.labels);
  tags.instance = target.instance;
  return tags;
}

/**
 * One scrape's exposition as samples for the collector: gauges as read, running totals as their
 * increase since the last good scrape (none for a baseline). The caller commits or abandons
 * `counters` once it knows whether the scrape is kept.
 */
export function scrapedSamples(exposed: readonly ExpositionSample[], options: MapOptions): ScrapedSamples {
  const { target, scrapeMs, counters } = options;
  const created = new Map<string, number>();
  for (const s of exposed)
    if (s.suffix === '_created' && Number.isFinite(s.value))
      created.set(createdKey(s.family, s.labels), s.value * 1000);

  const samples: Sample[] = [];
  const dropped: Record<DropReason, number> = { not_finite: 0, duplicate: 0, limits: 0 };
  const seen = new Set<string>();
  let exemplars = 0;
  for (const s of exposed) {
    if (s.exemplar !== undefined) exemplars++;
    if (s.suffix === '_created') continue;
    // NaN is how client libraries expose "nothing observed yet" (a summary's quantiles), and
    // infinities have no per-minute aggregate: the collector would refuse them one by one.
    if (!Number.isFinite(s.value)) {
      dropped.not_finite++;
      continue;
    }
    const name = metricName(s.name);
    const tags = targetTags(target, s.labels);
    const key = `${name}\u0000${Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('\u0000')}`;
    if (seen.has(key)) {
      dropped.duplicate++;
      continue;
    }
    seen.add(key);
    let value = s.value;
    if (isRunningTotal(s)) {
      const increase = counters.observe(key, s.value, created.get(createdKey(s.family, s.labels)) ?? NaN);
      if (increase === undefined) continue;
      value = increase;
    }
    const sample: Sample = {
      service: target.job,
      name,
      value,
      timestamp: s.timestampMs ?? scrapeMs,
      type: isRunningTotal(s) ? 'counter' : 'gauge',
      tags,
    };
    const problem = wireLimitProblem(sample);
    if (problem !== undefined) {
      dropped.limits++;
      options.onRefused(sample, problem);
      continue;
    }
    samples.push(sample);
  }
  return { samples, dropped, exemplars };
}
