import { describe, expect, it } from 'vitest';
import { kafkaPublishTimeoutMs, resolveKafkaBusOptions } from './kafka-options.js';

describe('kafkaPublishTimeoutMs', () => {
  it.each([
    [10_000, 8_000],
    [30_000, 28_000],
    [3_000, 2_000],
    [1_000, 500],
    [1, 1],
  ])('gives up on a message of a request that waits %i ms after %i ms', (wait, publish) => {
    expect(kafkaPublishTimeoutMs(wait)).toBe(publish);
  });

  it('always ends before the request stops waiting, by at least a second when the wait allows', () => {
    for (let wait = 2; wait <= 120_000; wait += 997) {
      const publish = kafkaPublishTimeoutMs(wait);
      expect(publish).toBeGreaterThan(0);
      expect(publish).toBeLessThan(wait);
      if (wait >= 2_000) expect(wait - publish).toBeGreaterThanOrEqual(1_000);
    }
  });
});

describe('resolveKafkaBusOptions', () => {
  it("derives the publish timeout from the caller's wait, unless one is given; else 10 s", () => {
    expect(resolveKafkaBusOptions({ brokers: ['b:9092'], callerWaitMs: 10_000 }).publishTimeoutMs).toBe(
      8_000,
    );
    expect(
      resolveKafkaBusOptions({ brokers: ['b:9092'], callerWaitMs: 10_000, publishTimeoutMs: 3_000 })
        .publishTimeoutMs,
    ).toBe(3_000);
    expect(resolveKafkaBusOptions({ brokers: ['b:9092'] }).publishTimeoutMs).toBe(10_000);
  });
});
