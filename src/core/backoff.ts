import { retryable } from './outcome.js';
import type { Outcome } from './outcome.js';

export interface BackoffPolicy {
  /** First delay; each retry doubles it (2 s, 4 s, 8 s ... with the seed's defaults). */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Attempts in all, the first included; Infinity retries until `signal` aborts. */
  readonly maxAttempts: number;
  /** Fraction of each delay drawn at random, so that many clients do not retry in step. */
  readonly jitter: number;
}

export const SEED_BACKOFF: BackoffPolicy = {
  initialDelayMs: 2_000,
  maxDelayMs: 60_000,
  maxAttempts: Infinity,
  jitter: 0.2,
};

export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
  return Math.round(base * (1 - policy.jitter + 2 * policy.jitter * random()));
}

/**
 * A circuit breaker as the retry wrapper sees it (the worker's CircuitBreaker): asked before each
 * attempt, told each outcome. While it holds attempts back, its wait replaces the backoff.
 */
export interface RetryGate {
  /** How long to wait before the next attempt; 0 to go now. */
  waitMs(): number;
  recordSuccess(): void;
  recordFailure(): void;
  /** Whether the gate holds attempts back now (an open breaker). */
  holding(): boolean;
}

export interface RetryHooks<T = unknown> {
  readonly signal?: AbortSignal;
  readonly onRetry?: (error: Error, attempt: number, delayMs: number) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly gate?: RetryGate;
  /** Hand this retryable outcome back now rather than retry it (the worker's fallback outbox). */
  readonly stopWhen?: (outcome: Outcome<T>) => boolean;
}

/**
 * The one place that decides retries: runs `attempt` until it is ok or failed, waiting between
 * retryable outcomes with jittered exponential backoff, or the Retry-After the outcome carries when
 * that is longer; with a gate, only when the gate lets it. Returns the last outcome when the
 * attempts run out, `stopWhen` says so, or `signal` aborts: the attempt after an aborted sleep
 * still runs (it may be the one that succeeds), none runs after that.
 */
export async function retryWithBackoff<T>(
  attempt: () => Promise<Outcome<T>>,
  policy: BackoffPolicy,
  hooks: RetryHooks<T> = {},
): Promise<Outcome<T>> {
  const sleep = hooks.sleep ?? abortableSleep;
  const { gate, signal } = hooks;
  let last: Outcome<T> | undefined;
  for (let retries = 0; ;) {
    const wait = gate?.waitMs() ?? 0;
    if (wait > 0) {
      if (signal?.aborted) return last ?? retryable(new Error('stopped while the gate held attempts back'));
      await sleep(wait, signal);
      continue;
    }
    const outcome = (last = await attempt());
    if (outcome.kind === 'ok') {
      gate?.recordSuccess();
      return outcome;
    }
    gate?.recordFailure();
    if (outcome.kind === 'failed' || retries + 1 >= policy.maxAttempts || signal?.aborted) return outcome;
    if (hooks.stopWhen?.(outcome)) return outcome;
    if (gate?.holding()) continue;
    const delay = Math.max(backoffDelay(policy, retries), outcome.retryAfterMs ?? 0);
    retries += 1;
    hooks.onRetry?.(outcome.error, retries, delay);
    await sleep(delay, signal);
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
