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

export interface RetryHooks {
  readonly signal?: AbortSignal;
  readonly onRetry?: (error: Error, attempt: number, delayMs: number) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `attempt` until it is ok or failed, waiting between retryable outcomes with jittered
 * exponential backoff, or the Retry-After the outcome carries when that is longer.
 */
export async function retryWithBackoff<T>(
  attempt: () => Promise<Outcome<T>>,
  policy: BackoffPolicy,
  hooks: RetryHooks = {},
): Promise<Outcome<T>> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let n = 0; ; n++) {
    const outcome = await attempt();
    if (outcome.kind !== 'retryable') return outcome;
    if (n + 1 >= policy.maxAttempts || hooks.signal?.aborted) return outcome;
    const delay = Math.max(backoffDelay(policy, n), outcome.retryAfterMs ?? 0);
    hooks.onRetry?.(outcome.error, n + 1, delay);
    await sleep(delay, hooks.signal);
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
