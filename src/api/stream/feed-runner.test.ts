import { afterEach, describe, expect, it, vi } from 'vitest';
import { FeedRunner } from './feed-runner.js';
import type { LiveFeed, LiveFeedSink } from './live-feed.js';

/** A feed that fails its first `failures` starts, as one whose bus is not reachable yet. */
class FlakyFeed implements LiveFeed {
  starts = 0;
  closes = 0;
  constructor(private failures: number) {}
  async start(): Promise<void> {
    this.starts++;
    if (this.failures-- > 0) throw new Error('brokers unreachable');
  }
  async close(): Promise<void> {
    this.closes++;
  }
}

const sink: LiveFeedSink = { listening: false, publish: () => undefined, skipped: () => undefined };

afterEach(() => {
  vi.useRealTimers();
});

describe('FeedRunner', () => {
  it('is live after a first start that works', async () => {
    const feed = new FlakyFeed(0);
    const runner = new FeedRunner(feed, sink);
    await runner.start();
    expect(runner.problem).toBeUndefined();
    await runner.close();
    expect(feed.closes).toBe(1);
  });

  it('says why while the feed cannot start, and keeps trying in the background', async () => {
    vi.useFakeTimers();
    const feed = new FlakyFeed(2);
    const retries: number[] = [];
    const runner = new FeedRunner(feed, sink, (_err, delayMs) => retries.push(delayMs));
    await runner.start();
    expect(runner.problem).toBe('the live feed cannot start: brokers unreachable');
    await vi.advanceTimersByTimeAsync(1_500);
    expect(feed.starts).toBe(2);
    expect(runner.problem).toBeDefined();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(feed.starts).toBe(3);
    expect(runner.problem).toBeUndefined();
    expect(retries.length).toBeGreaterThanOrEqual(2);
    await runner.close();
    expect(feed.closes).toBe(1);
  });

  it('stops retrying when closed, and closes nothing that never started', async () => {
    vi.useFakeTimers();
    const feed = new FlakyFeed(Infinity);
    const runner = new FeedRunner(feed, sink);
    await runner.start();
    await runner.close();
    const starts = feed.starts;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(feed.starts).toBe(starts);
    expect(feed.closes).toBe(0);
  });
});
