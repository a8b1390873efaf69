import type { Registry } from 'prom-client';
import type { Sample } from '../../core/index.js';
import type { Logger } from '../../telemetry/index.js';
import { createScrapeMetrics } from './scrape-metrics.js';
import type { ScrapeMetrics } from './scrape-metrics.js';
import type { ScrapeTarget } from './scrape-targets.js';
import { TargetScraper } from './target-scraper.js';
import type { ScrapeLimits } from './target-scraper.js';

export interface ScraperOptions extends ScrapeLimits {
  readonly targets: readonly ScrapeTarget[];
  readonly registry: Registry;
  readonly logger: Logger;
}

/** Every target of one agent, each on its own loop, all shipping through the agent's one buffer. */
export class Scraper {
  readonly metrics: ScrapeMetrics;
  readonly targets: readonly TargetScraper[];

  constructor(options: ScraperOptions) {
    this.metrics = createScrapeMetrics(options.registry);
    this.metrics.targets.set(options.targets.length);
    // Prometheus' rule: a scrape may not outlast its interval, or scrapes of one target would overlap.
    const timeoutMs = Math.min(options.timeoutMs, options.intervalMs);
    this.targets = options.targets.map(
      (target) =>
        new TargetScraper({ ...options, timeoutMs, target, metrics: this.metrics, logger: options.logger }),
    );
  }

  async run(stop: AbortSignal, ship: (samples: Sample[]) => void): Promise<void> {
    await Promise.all(this.targets.map((t) => t.run(stop, ship)));
  }
}
