import type { Store } from '../storage/index.js';

/**
 * The store's part of the API's readiness when it reads a store in another process (ClickHouse):
 * it asks a cheap question now and then, because /ready is synchronous and reads the last answer.
 */
export class StoreReachability {
  private timer: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
  ) {}

  get problem(): string | undefined {
    return this.lastProblem;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    try {
      await this.store.stats();
      this.lastProblem = undefined;
    } catch (err) {
      this.lastProblem = `store not answering: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
