import type { RetryGate } from '../core/index.js';

/** Closed: writes go through. Open: none until the probe interval passed. Half-open: one probe in flight. */
export type CircuitBreakerState = 'closed' | 'open' | 'half-open';

/** The gauge's value per state (`vantage_worker_circuit_breaker_state`). */
export const BREAKER_STATE_VALUE: Record<CircuitBreakerState, number> = {
  closed: 0,
  open: 1,
  'half-open': 2,
};

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** While open, how long to wait before letting one attempt (the probe) through. */
  readonly probeIntervalMs: number;
  readonly clock?: () => number;
  readonly onStateChange?: (state: CircuitBreakerState) => void;
}

/** A worker's breaker, as its settings give it (the seed: 5 failures, a probe every 60 s). */
export interface WorkerBreakerSettings {
  readonly failureThreshold: number;
  readonly probeIntervalMs: number;
}

/**
 * A worker's breaker: without settings it never opens (failed writes are retried for ever). Its
 * state is set on `gauge` (the worker's `*_circuit_breaker_state`) before `onStateChange` hears of it.
 */
export function workerBreaker(
  settings: WorkerBreakerSettings | undefined,
  gauge: { set(value: number): void },
  onStateChange: (state: CircuitBreakerState) => void,
): CircuitBreaker {
  const breaker = new CircuitBreaker({
    failureThreshold: settings?.failureThreshold ?? Number.POSITIVE_INFINITY,
    probeIntervalMs: settings?.probeIntervalMs ?? 0,
    onStateChange: (state) => {
      gauge.set(BREAKER_STATE_VALUE[state]);
      onStateChange(state);
    },
  });
  gauge.set(BREAKER_STATE_VALUE.closed);
  return breaker;
}

/**
 * Protects the store from a worker hammering it while it is down (the seed: opens after 5
 * failures, tests the store every 60 s, closes when it recovers). Pure bookkeeping: the caller
 * asks `waitMs()` before an attempt and reports each outcome.
 */
export class CircuitBreaker implements RetryGate {
  private current: CircuitBreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private readonly clock: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!(options.failureThreshold >= 1)) throw new Error('failureThreshold must be at least 1');
    if (!(options.probeIntervalMs >= 0)) throw new Error('probeIntervalMs must not be negative');
    this.clock = options.clock ?? Date.now;
  }

  get state(): CircuitBreakerState {
    return this.current;
  }

  /** Failures in a row since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * How long the caller must wait before its next attempt: 0 when it may go now. An open breaker
   * whose probe interval has passed turns half-open here, and the attempt that follows is the probe.
   */
  waitMs(): number {
    if (this.current !== 'open') return 0;
    const left = this.openedAt + this.options.probeIntervalMs - this.clock();
    if (left > 0) return left;
    this.set('half-open');
    return 0;
  }

  /** Whether attempts are held back now (open); half-open lets the probe through. */
  holding(): boolean {
    return this.current === 'open';
  }

  recordSuccess(): void {
    this.failures = 0;
    this.set('closed');
  }

  recordFailure(): void {
    this.failures += 1;
    if (this.current === 'half-open' || this.failures >= this.options.failureThreshold) {
      this.openedAt = this.clock();
      this.set('open');
    }
  }

  private set(state: CircuitBreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }
}
