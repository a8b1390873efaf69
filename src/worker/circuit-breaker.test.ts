import { describe, expect, it } from 'vitest';
import { BREAKER_STATE_VALUE, CircuitBreaker, workerBreaker } from './circuit-breaker.js';
import type { CircuitBreakerState } from './circuit-breaker.js';

function breaker(failureThreshold = 5, probeIntervalMs = 60_000) {
  let now = 1_000_000;
  const changes: CircuitBreakerState[] = [];
  const b = new CircuitBreaker({
    failureThreshold,
    probeIntervalMs,
    clock: () => now,
    onStateChange: (s) => changes.push(s),
  });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and lets every attempt through', () => {
    const { b, changes } = breaker(5);
    for (let i = 0; i < 4; i++) b.recordFailure();
    expect(b.state).toBe('closed');
    expect(b.waitMs()).toBe(0);
    expect(b.consecutiveFailures).toBe(4);
    expect(changes).toEqual([]);
  });

  it('opens at the threshold of consecutive failures and holds attempts for the probe interval', () => {
    const { b, changes, advance } = breaker(5, 60_000);
    for (let i = 0; i < 5; i++) b.recordFailure();
    expect(b.state).toBe('open');
    expect(b.waitMs()).toBe(60_000);
    advance(59_000);
    expect(b.waitMs()).toBe(1_000);
    expect(b.state).toBe('open');
    expect(changes).toEqual(['open']);
  });

  it('counts only failures in a row: a success in between starts again', () => {
    const { b } = breaker(3);
    b.recordFailure();
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    b.recordFailure();
    expect(b.state).toBe('closed');
    b.recordFailure();
    expect(b.state).toBe('open');
  });

  it('turns half-open when the interval passed; a successful probe closes it', () => {
    const { b, changes, advance } = breaker(2, 10_000);
    b.recordFailure();
    b.recordFailure();
    advance(10_000);
    expect(b.waitMs()).toBe(0);
    expect(b.state).toBe('half-open');
    b.recordSuccess();
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again for a whole interval when the probe fails', () => {
    const { b, changes, advance } = breaker(2, 10_000);
    b.recordFailure();
    b.recordFailure();
    advance(12_000);
    expect(b.waitMs()).toBe(0);
    b.recordFailure();
    expect(b.state).toBe('open');
    expect(b.waitMs()).toBe(10_000);
    expect(changes).toEqual(['open', 'half-open', 'open']);
  });

  it('refuses a threshold below one', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, probeIntervalMs: 1 })).toThrow(/at least 1/);
  });
});

describe('workerBreaker', () => {
  it('keeps the gauge at the state before the worker hears of a change', () => {
    const gauge: number[] = [];
    const heard: [CircuitBreakerState, number | undefined][] = [];
    const b = workerBreaker({ failureThreshold: 2, probeIntervalMs: 0 }, { set: (v) => gauge.push(v) }, (s) =>
      heard.push([s, gauge[gauge.length - 1]]),
    );
    expect(gauge).toEqual([BREAKER_STATE_VALUE.closed]);
    b.recordFailure();
    b.recordFailure();
    expect(b.state).toBe('open');
    expect(heard).toEqual([['open', BREAKER_STATE_VALUE.open]]);
  });

  it('never opens without settings: failed writes are retried for ever', () => {
    const b = workerBreaker(undefined, { set: () => undefined }, () => undefined);
    for (let i = 0; i < 10_000; i++) b.recordFailure();
    expect(b.state).toBe('closed');
    expect(b.waitMs()).toBe(0);
  });
});
