import { Registry, collectDefaultMetrics } from 'prom-client';
import { abortableSleep } from '../core/index.js';
import type { BackoffPolicy, RetryHooks, Sample } from '../core/index.js';
import type { Logger } from '../telemetry/index.js';
import { createAgentMetrics } from './agent-metrics.js';
import type { AgentMetrics } from './agent-metrics.js';
import { HostCollector } from './host-collector.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { MetricsSender } from './metrics-sender.js';
import { SampleBuffer } from './sample-buffer.js';
import { SampleShipper } from './sample-shipper.js';
import { Scraper } from './scrape/scraper.js';
import type { ScrapeLimits } from './scrape/target-scraper.js';
import type { ScrapeTarget } from './scrape/scrape-targets.js';

/** Backoff between send attempts: 1 s doubling to 1 min, each ±20 %, until the agent stops. */
export const AGENT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxAttempts: Infinity,
  jitter: 0.2,
};

export interface HostAgentOptions {
  /** The collector's base URL. */
  readonly endpoint: string;
  readonly apiKey?: string;
  /** The service the host's metrics are filed under, `host:<hostname>` by default in the CLI. */
  readonly service: string;
  readonly intervalMs: number;
  /** Where /proc and /sys are found below. */
  readonly root: string;
  readonly bufferMaxSamples: number;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly backoff?: BackoffPolicy;
  readonly requestTimeoutMs?: number;
  /** How long the last sends may take at shutdown. */
  readonly drainTimeoutMs?: number;
  /** For tests: how to wait between send attempts. */
  readonly sleep?: RetryHooks['sleep'];
  /** Prometheus endpoints to scrape besides the host (docs/ingest.md, "Scraping with the agent"). */
  readonly scrape?: ScrapeLimits & { readonly targets: readonly ScrapeTarget[] };
}

/** Collects the host's metrics every interval and ships them to the collector. */
export class HostAgent {
  readonly metrics: AgentMetrics;
  readonly buffer: SampleBuffer;
  readonly scraper: Scraper | undefined;
  private readonly collector: HostCollector;
  private readonly shipper: SampleShipper;
  private readonly sender: MetricsSender;
  private readonly intervalMs: number;
  private readonly drainTimeoutMs: number;
  private readonly logger: Logger;

  constructor(options: HostAgentOptions) {
    this.logger = options.logger;
    this.intervalMs = options.intervalMs;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
    const registry = options.registry ?? new Registry();
    this.metrics = createAgentMetrics(registry);
    this.scraper =
      options.scrape && options.scrape.targets.length > 0
        ? new Scraper({ ...options.scrape, registry, logger: this.logger })
        : undefined;
    this.buffer = new SampleBuffer(options.bufferMaxSamples);
    this.collector = new HostCollector({ root: options.root, service: options.service, logger: this.logger });
    this.sender = new MetricsSender({
      endpoint: options.endpoint,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
    this.shipper = new SampleShipper({
      sender: this.sender,
      buffer: this.buffer,
      metrics: this.metrics,
      logger: this.logger,
      backoff: options.backoff ?? AGENT_BACKOFF,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  }

  /** One collection, queued for sending. */
  async collect(): Promise<Sample[]> {
    const end = this.metrics.collectionDuration.startTimer();
    try {
      const samples = await this.collector.collect();
      this.metrics.collections.inc({ outcome: 'ok' });
      this.shipper.enqueue(samples);
      return samples;
    } catch (err) {
      // The collector skips missing sources itself; this is a bug, not a platform gap.
      this.metrics.collections.inc({ outcome: 'error' });
      this.logger.error({ err }, 'collection failed');
      return [];
    } finally {
      end();
    }
  }

  /**
   * Collects on the interval's ticks and sends in the background until `stop` aborts, then makes a
   * last bounded attempt to send what is buffered.
   */
  async run(stop: AbortSignal): Promise<void> {
    // Scraped samples share the host's buffer and shipper: one bound on memory, one retry policy.
    const scraping = this.scraper?.run(stop, (samples) => {
      this.shipper.enqueue(samples);
      void this.shipper.flush(stop);
    });
    let next = Date.now();
    while (!stop.aborted) {
      await this.collect();
      void this.shipper.flush(stop);
      next += this.intervalMs;
      // A collection that overran (a stalled disk) skips the ticks it missed rather than bursting.
      if (next <= Date.now()) next = Date.now() + this.intervalMs;
      await abortableSleep(next - Date.now(), stop);
    }
    await scraping;
    const unsent = await this.shipper.drain(this.drainTimeoutMs);
    if (unsent > 0) this.logger.warn({ unsent }, 'stopping with samples not sent');
    await this.sender.close();
  }
}

export interface RunningAgent {
  /** `http://host:port` of the agent's /metrics. */
  readonly metricsAddress: string;
  readonly agent: HostAgent;
  /** Stops collecting, sends what it can within the drain timeout, closes /metrics. */
  stop(): Promise<void>;
}

export interface StartAgentOptions extends Omit<HostAgentOptions, 'registry'> {
  readonly metricsPort: number;
  readonly metricsHost?: string;
}

/** `vantage agent`: the agent with its own Prometheus /metrics. */
export async function startHostAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const registry = new Registry();
  registry.setDefaultLabels({ role: 'agent' });
  // The event loop is nearly always idle here: sampling its delay every 100 ms instead of 10 ms
  // keeps the metric and spares the agent's own CPU.
  collectDefaultMetrics({ register: registry, prefix: 'vantage_agent_', eventLoopMonitoringPrecision: 100 });
  const agent = new HostAgent({ ...options, registry });
  const endpoint = await MetricsEndpoint.listen(
    registry,
    options.metricsPort,
    options.metricsHost ?? '0.0.0.0',
  );
  const stopController = new AbortController();
  const running = agent.run(stopController.signal);
  return {
    metricsAddress: endpoint.address,
    agent,
    async stop() {
      stopController.abort();
      await running;
      await endpoint.close();
    },
  };
}

/**
 * `vantage agent --once`: two collections `gapMs` apart (rates need two reads), returning the
 * second, which is what the agent would send. A second by default: long enough for the rates to
 * mean something, short enough for a command a person waits on.
 */
export async function previewCollection(options: {
  root: string;
  service: string;
  logger: Logger;
  gapMs?: number;
}): Promise<Sample[]> {
  const collector = new HostCollector(options);
  await collector.collect();
  await abortableSleep(options.gapMs ?? 1_000);
  return collector.collect();
}
