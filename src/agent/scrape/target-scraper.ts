import { createHash } from 'node:crypto';
import { abortableSleep } from '../../core/index.js';
import type { Sample } from '../../core/index.js';
import type { Logger } from '../../telemetry/index.js';
import { CounterIncreases } from './counter-increases.js';
import { ExpositionError, parseExposition } from './exposition-parser.js';
import type { ScrapeMetrics } from './scrape-metrics.js';
import { ScrapeError, ScrapeRequest } from './scrape-request.js';
import type { ScrapeFailure } from './scrape-request.js';
import type { ScrapeTarget } from './scrape-targets.js';
import { scrapedSamples, targetTags } from './scraped-samples.js';
import type { DropReason } from './scraped-samples.js';

export interface ScrapeLimits {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Most samples one scrape may expose; beyond it the scrape fails whole, as Prometheus' sample_limit. */
  readonly sampleLimit: number;
  /** Largest exposition, after gunzip. */
  readonly bodyMaxBytes: number;
}

export interface TargetScraperOptions extends ScrapeLimits {
  readonly target: ScrapeTarget;
  readonly metrics: ScrapeMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** At most this many distinct refusals are logged per target; the rest are only counted. */
const MAX_REFUSALS_LOGGED = 100;

/**
 * Scrapes one target on its interval, as Prometheus would: its samples labelled with the target's
 * job and instance, plus `up`, `scrape_duration_seconds` and `scrape_samples_scraped`.
 */
export class TargetScraper {
  private readonly target: ScrapeTarget;
  private readonly options: TargetScraperOptions;
  private readonly request: ScrapeRequest;
  private readonly counters: CounterIncreases;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly refusalsLogged = new Set<string>();
  /** The reason of the last failure, undefined while the target answers: logs say changes, not repeats. */
  private failing: ScrapeFailure | undefined;
  private counterSeries = 0;

  constructor(options: TargetScraperOptions) {
    this.options = options;
    this.target = options.target;
    this.now = options.now ?? Date.now;
    this.logger = options.logger.child({ target: options.target.url, job: options.target.job });
    this.request = new ScrapeRequest(options.target.url, {
      timeoutMs: options.timeoutMs,
      maxBytes: options.bodyMaxBytes,
    });
    this.counters = new CounterIncreases(this.now());
  }

  /** One scrape: the samples to ship, the synthetic ones included. Never throws. */
  async scrape(): Promise<Sample[]> {
    const { metrics } = this.options;
    const scrapeMs = this.now();
    const started = performance.now();
    let samples: Sample[] = [];
    let exposedCount = 0;
    try {
      const response = await this.request.get();
      const exposed = parse(response.text, response.format);
      exposedCount = exposed.length;
      if (exposed.length > this.options.sampleLimit)
        throw new ScrapeError(
          'sample_limit',
          `exposes ${exposed.length} samples, over --scrape-sample-limit ${this.options.sampleLimit}`,
        );
      const mapped = scrapedSamples(exposed, {
        target: this.target,
        scrapeMs,
        counters: this.counters,
        onRefused: (sample, problem) => this.logRefusal(sample, problem),
      });
      this.counters.commit(scrapeMs);
      samples = mapped.samples;
      metrics.samplesScraped.inc(exposed.length);
      for (const [reason, n] of Object.entries(mapped.dropped))
        if (n > 0) metrics.samplesDropped.inc({ reason: reason as DropReason }, n);
      if (mapped.exemplars > 0) metrics.exemplarsDropped.inc(mapped.exemplars);
      metrics.scrapes.inc({ outcome: 'ok' });
      if (this.failing !== undefined) this.logger.info('target answers again');
      this.failing = undefined;
    } catch (err) {
      this.counters.abandon();
      const error = err instanceof ScrapeError ? err : new ScrapeError('unreachable', String(err));
      metrics.scrapes.inc({ outcome: error.reason });
      const context = { reason: error.reason, err: error.message };
      if (this.failing === error.reason) this.logger.debug(context, 'scrape failed again');
      else this.logger.warn(context, 'scrape failed: up is 0 until it answers');
      this.failing = error.reason;
    }
    metrics.counterSeries.inc(this.counters.size - this.counterSeries);
    this.counterSeries = this.counters.size;
    const seconds = (performance.now() - started) / 1000;
    metrics.scrapeDuration.observe(seconds);
    const synthetic = (name: string, value: number): Sample => ({
      service: this.target.job,
      name,
      value,
      timestamp: scrapeMs,
      type: 'gauge',
      tags: targetTags(this.target, []),
    });
    samples.push(
      synthetic('up', this.failing === undefined ? 1 : 0),
      synthetic('scrape_duration_seconds', seconds),
      synthetic('scrape_samples_scraped', exposedCount),
    );
    return samples;
  }

  /** Scrapes on the interval until `stop` aborts, handing each scrape's samples to `ship`. */
  async run(stop: AbortSignal, ship: (samples: Sample[]) => void): Promise<void> {
    const { intervalMs } = this.options;
    // Each target at its own offset in the interval (from a hash of its URL, as Prometheus does),
    // so that many targets on one agent do not all fire, and ship, at the same instant.
    const hash = createHash('sha256').update(this.target.url).digest().readUInt32BE(0);
    await abortableSleep(hash % intervalMs, stop);
    let next = Date.now();
    while (!stop.aborted) {
      ship(await this.scrape());
      next += intervalMs;
      // A scrape that overran skips the ticks it missed rather than bursting.
      if (next <= Date.now()) next = Date.now() + intervalMs;
      await abortableSleep(next - Date.now(), stop);
    }
    this.options.metrics.counterSeries.dec(this.counterSeries);
    this.counterSeries = 0;
    await this.request.close();
  }

  private logRefusal(sample: Sample, problem: string): void {
    const key = `${sample.name}\u0000${problem}`;
    if (this.refusalsLogged.has(key) || this.refusalsLogged.size >= MAX_REFUSALS_LOGGED) return;
    this.refusalsLogged.add(key);
    this.logger.warn(
      { metric: sample.name, tags: sample.tags, problem },
      'scraped sample left out: the collector would refuse it (logged once per metric and reason)',
    );
  }
}

function parse(text: string, format: 'text' | 'openmetrics') {
  try {
    return parseExposition(text, format);
  } catch (err) {
    if (err instanceof ExpositionError)
      throw new ScrapeError('parse_error', `${format} exposition ${err.message}`);
    throw err;
  }
}
