import type { Logger } from 'pino';
import type { Store, TraceStore } from '../storage/index.js';

/**
 * Runs the store's retention every `intervalMs` (the seed: the worker executes retention), and the
 * trace store's when there is one: spans and trace summaries have retentions of their own.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
    private readonly logger: Logger,
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

  private runOnce(): void {
    this.running = this.running.then(async () => {
      try {
        const report = await this.store.applyRetention(Date.now());
        this.logger.info({ ...report }, 'retention applied');
      } catch (err) {
        this.logger.error({ err }, 'retention failed; will try again');
      }
      if (this.traces === undefined) return;
      try {
        const report = await this.traces.applyTraceRetention(Date.now());
        this.logger.info({ ...report }, 'trace retention applied');
      } catch (err) {
        this.logger.error({ err }, 'trace retention failed; will try again');
      }
    });
  }
}
