import { describe, it, expect } from 'vitest';
import { TokenBucketLimiter } from './token-bucket.js';

class FakeClock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

function takeN(limiter: TokenBucketLimiter, key: string, n: number): number {
  let allowed = 0;
  for (let i = 0; i < n; i++) if (limiter.take(key).allowed) allowed++;
  return allowed;
}

describe('TokenBucketLimiter', () => {
  it('lets a new client burst up to capacity, then refuses', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketLimiter(10, 60_000, clock.now);
    expect(takeN(limiter, 'ip-1', 10)).toBe(10);
    const refused = limiter.take('ip-1');
    expect(refused.allowed).toBe(false);
  });

  it('says how long until the next token', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketLimiter(10, 60_000, clock.now); // one token per 6 s
    takeN(limiter, 'k', 10);
    const r = limiter.take('k');
    expect(r).toEqual({ allowed: false, retryAfterMs: 6_000 });
    clock.advance(2_000);
    const later = limiter.take('k');
    if (later.allowed) throw new Error('expected a refusal');
    // 4 s exactly, give or take the floating-point rounding of the refill rate.
    expect(later.retryAfterMs).toBeGreaterThanOrEqual(4_000);
    expect(later.retryAfterMs).toBeLessThanOrEqual(4_001);
    clock.advance(3_999);
    expect(limiter.take('k').allowed).toBe(false);
    clock.advance(1);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
  });

  it('refills at capacity per period, never above capacity', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketLimiter(60, 60_000, clock.now); // one token per second
    takeN(limiter, 'k', 60);
    clock.advance(5_000);
    expect(takeN(limiter, 'k', 10)).toBe(5);
    clock.advance(10 * 60_000);
    expect(takeN(limiter, 'k', 100)).toBe(60);
  });

  it('keeps a separate bucket per key', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketLimiter(3, 60_000, clock.now);
    expect(takeN(limiter, 'a', 5)).toBe(3);
    expect(takeN(limiter, 'b', 5)).toBe(3);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.trackedKeys).toBe(2);
  });

  it('forgets idle keys once they are full again, after a period', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketLimiter(5, 1_000, clock.now);
    for (let i = 0; i < 50; i++) limiter.take(`client-${i}`);
    expect(limiter.trackedKeys).toBe(50);
    clock.advance(1_000);
    limiter.take('fresh');
    expect(limiter.trackedKeys).toBe(1);
  });

  it('keeps keys that are still being refilled at a sweep', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketLimiter(100, 1_000, clock.now);
    clock.advance(500);
    takeN(limiter, 'busy', 100);
    clock.advance(500); // a period since the limiter started: sweep; 'busy' holds 50 of 100
    limiter.take('other');
    expect(limiter.trackedKeys).toBe(2);
    expect(takeN(limiter, 'busy', 100)).toBe(50);
    clock.advance(1_000); // both full again by the next sweep
    limiter.take('third');
    expect(limiter.trackedKeys).toBe(1);
  });

  it('does not let a forgotten key burst beyond capacity', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketLimiter(4, 1_000, clock.now);
    takeN(limiter, 'k', 4);
    clock.advance(5_000);
    expect(takeN(limiter, 'k', 10)).toBe(4);
  });
});
