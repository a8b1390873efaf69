import { metricSet } from '../../telemetry/index.js';

/**
 * The agent's self-metrics about scraping. No per-target label: a target's health travels to
 * Vantage as its own `up` series, and these stay a handful of series however many targets there are.
 */
export type ScrapeMetrics = ReturnType<typeof createScrapeMetrics>;

export const createScrapeMetrics = metricSet((m) => ({
  targets: m.gauge(
    'vantage_agent_scrape_targets',
    'Targets the agent scrapes (--scrape and --scrape-config)',
  ),
  scrapes: m.counter(
    'vantage_agent_scrapes_total',
    'Scrapes by outcome: ok, or why the scrape was dropped whole (unreachable, timeout, http_status, body_too_large, parse_error, sample_limit)',
    ['outcome'],
  ),
  samplesScraped: m.counter(
    'vantage_agent_scrape_samples_total',
    'Samples read from targets in scrapes that were kept (before baselines and drops)',
  ),
  samplesDropped: m.counter(
    'vantage_agent_scrape_samples_dropped_total',
    'Scraped samples not shipped: not_finite (NaN or infinite), duplicate (same series twice in a scrape), limits (beyond the collector limits)',
    ['reason'],
  ),
  exemplarsDropped: m.counter(
    'vantage_agent_scrape_exemplars_dropped_total',
    'Exemplars read from OpenMetrics scrapes and not shipped (the JSON path has no place for them)',
  ),
  counterSeries: m.gauge(
    'vantage_agent_scrape_counter_series',
    'Counter series whose last value the agent holds to compute increases, over all targets',
  ),
  scrapeDuration: m.histogram(
    'vantage_agent_scrape_duration_seconds',
    'Time of one scrape, request and parsing included',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ),
}));
