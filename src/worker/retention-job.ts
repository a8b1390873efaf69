import type { Logger } from 'pino';
import type { Store, TraceStore } from '../storage/index.js';
import type { RetentionMetrics } from './retention-metrics.js';

/**
 * Runs the store's retention every `intervalMs` (the seed: the worker executes retention), and the
 * trace store's when there is one (spans and trace summaries have retentions of their own), then
 * measures the store: its table sizes read every page on SQLite, and right after retention is
 * when they change the most, so they are as fresh as --retention-interval.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly metrics: RetentionMetrics,
    private readonly traces?: TraceStore,
  ) {}

  start(): void {
    this.runOnce();
    this.timer = setInterval(() => this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run now (the timer's runs included), resolved when it and the measurement are done. */
  runOnce(): Promise<void> {
    this.running = this.running.then(async () => {
      const started = performance.now();
      try {
        const report = await this.store.applyRetention(Date.now());
        this.metrics.recordRun('ok', (performance.now() - started) / 1000, report);
        this.logger.info({ ...report }, 'retention applied');
      } catch (err) {
        this.metrics.recordRun('failed', (performance.now() - started) / 1000);
        this.logger.error({ err }, 'retention failed; will try again');
      }
      if (this.traces !== undefined)
        try {
          const report = await this.traces.applyTraceRetention(Date.now());
          this.logger.info({ ...report }, 'trace retention applied');
        } catch (err) {
          this.logger.error({ err }, 'trace retention failed; will try again');
        }
      try {
        const stats = await this.store.stats();
        this.metrics.recordSizes(stats.bytesOnDisk, await this.store.tableSizes?.());
      } catch (err) {
        this.logger.warn({ err }, 'measuring the store failed; its size metrics are stale');
      }
    });
    return this.running;
  }
}
