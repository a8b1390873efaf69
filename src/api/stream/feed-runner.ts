import { ok, retryWithBackoff, retryable } from '../../core/index.js';
import type { BackoffPolicy } from '../../core/index.js';
import type { LiveFeed, LiveFeedSink } from './live-feed.js';

/** Retries of a feed that could not start (Kafka unreachable): 1 s, 2 s, 4 s ... up to 30 s. */
const FEED_RETRY: BackoffPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxAttempts: Infinity,
  jitter: 0.2,
};

/**
 * Starts the live feed and keeps trying while it cannot: the query API serves queries whether or
 * not the bus is reachable, and streams open once the feed is live.
 */
export class FeedRunner {
  private live = false;
  private lastProblem = 'the live feed is starting';
  private readonly abort = new AbortController();
  private retrying: Promise<void> | undefined;

  constructor(
    private readonly feed: LiveFeed,
    private readonly sink: LiveFeedSink,
    private readonly onRetry: (err: Error, delayMs: number) => void = () => undefined,
  ) {}

  /** Undefined once live; else why streams cannot open yet. */
  get problem(): string | undefined {
    return this.live ? undefined : this.lastProblem;
  }

  /** Waits for the first attempt only; the retries run in the background. */
  async start(): Promise<void> {
    const error = await this.attempt();
    if (error !== undefined) this.retrying = this.retry(error);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.retrying;
    if (this.live) await this.feed.close();
    this.live = false;
  }

  private async retry(first: Error): Promise<void> {
    let pending: Error | undefined = first;
    await retryWithBackoff(
      async () => {
        // The first attempt was start()'s own; its error is the first outcome here.
        const error = pending ?? (await this.attempt());
        pending = undefined;
        return error === undefined ? ok() : retryable(error);
      },
      FEED_RETRY,
      { signal: this.abort.signal, onRetry: (error, _attempt, delayMs) => this.onRetry(error, delayMs) },
    );
  }

  /** Undefined when the feed started, else why not. */
  private async attempt(): Promise<Error | undefined> {
    try {
      await this.feed.start(this.sink);
      this.live = true;
      return undefined;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.lastProblem = `the live feed cannot start: ${error.message}`;
      return error;
    }
  }
}
