import { describe, expect, it } from 'vitest';
import { VantageError } from '../core/index.js';
import { FailedAuthThrottle } from './failed-auth-throttle.js';

function throttled(fn: () => void): VantageError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof VantageError) return err;
    throw err;
  }
}

describe('FailedAuthThrottle', () => {
  it('lets a client fail its burst, then refuses with a coded 429 and the wait until the next try', () => {
    let now = 0;
    const throttle = new FailedAuthThrottle({ failuresPerMinute: 10, clock: () => now });
    for (let i = 0; i < 10; i++) {
      expect(throttled(() => throttle.check('10.0.0.1'))).toBeUndefined();
      throttle.recordFailure('10.0.0.1');
    }
    const err = throttled(() => throttle.check('10.0.0.1'));
    expect(err?.code).toBe('VTG_AUTH_THROTTLED');
    expect(err?.statusCode).toBe(429);
    expect(err?.field).toBe('authorization');
    expect(err?.retryAfter).toBe(6);
    // Another address is not affected.
    expect(throttled(() => throttle.check('10.0.0.2'))).toBeUndefined();
    now += 6_000;
    expect(throttled(() => throttle.check('10.0.0.1'))).toBeUndefined();
  });

  it('admits failed attempts at the configured rate however fast they come', () => {
    let now = 0;
    const throttle = new FailedAuthThrottle({ failuresPerMinute: 10, clock: () => now });
    let reachedTheKeyCheck = 0;
    // One attempt every 10 ms for two minutes: 12,001 attempts.
    for (; now <= 120_000; now += 10) {
      if (throttled(() => throttle.check('203.0.113.9')) !== undefined) continue;
      reachedTheKeyCheck++;
      throttle.recordFailure('203.0.113.9');
    }
    // The burst of 10, then one every 6 s (at 6 s, 12 s ... 120 s): 10 + 20.
    expect(reachedTheKeyCheck).toBe(30);
  });

  it('forgets a client once its failures are forgiven, and never holds more than maxClients', () => {
    let now = 0;
    const throttle = new FailedAuthThrottle({ failuresPerMinute: 10, maxClients: 100, clock: () => now });
    for (let i = 0; i < 1_000; i++) throttle.recordFailure(`10.1.${i >> 8}.${i & 255}`);
    expect(throttle.trackedClients).toBe(100);
    now += 60_000;
    throttle.check('10.1.3.231');
    expect(throttle.trackedClients).toBe(99);
  });
});
