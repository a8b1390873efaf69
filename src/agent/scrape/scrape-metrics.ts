import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * The agent's self-metrics about scraping. No per-target label: a target's health travels to
 * Vantage as its own `up` series, and these stay a handful of series however many targets there are.
 */
export interface ScrapeMetrics {
  readonly targets: Gauge;
  readonly scrapes: Counter<'outcome'>;
  readonly samplesScraped: Counter;
  readonly samplesDropped: Counter<'reason'>;
  readonly exemplarsDropped: Counter;
  readonly counterSeries: Gauge;
  readonly scrapeDuration: Histogram;
}

export function createScrapeMetrics(registry: Registry): ScrapeMetrics {
  const registers = [registry];
  return {
    targets: new Gauge({
      name: 'vantage_agent_scrape_targets',
      help: 'Targets the agent scrapes (--scrape and --scrape-config)',
      registers,
    }),
    scrapes: new Counter({
      name: 'vantage_agent_scrapes_total',
      help: 'Scrapes by outcome: ok, or why the scrape was dropped whole (unreachable, timeout, http_status, body_too_large, parse_error, sample_limit)',
      labelNames: ['outcome'],
      registers,
    }),
    samplesScraped: new Counter({
      name: 'vantage_agent_scrape_samples_total',
      help: 'Samples read from targets in scrapes that were kept (before baselines and drops)',
      registers,
    }),
    samplesDropped: new Counter({
      name: 'vantage_agent_scrape_samples_dropped_total',
      help: 'Scraped samples not shipped: not_finite (NaN or infinite), duplicate (same series twice in a scrape), limits (beyond the collector limits)',
      labelNames: ['reason'],
      registers,
    }),
    exemplarsDropped: new Counter({
      name: 'vantage_agent_scrape_exemplars_dropped_total',
      help: 'Exemplars read from OpenMetrics scrapes and not shipped (the JSON path has no place for them)',
      registers,
    }),
    counterSeries: new Gauge({
      name: 'vantage_agent_scrape_counter_series',
      help: 'Counter series whose last value the agent holds to compute increases, over all targets',
      registers,
    }),
    scrapeDuration: new Histogram({
      name: 'vantage_agent_scrape_duration_seconds',
      help: 'Time of one scrape, request and parsing included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
