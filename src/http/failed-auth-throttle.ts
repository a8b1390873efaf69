import { LRUCache } from 'lru-cache';
import { VantageError } from '../core/index.js';

export interface FailedAuthThrottleOptions {
  /** Failed authentications a client may make per minute; also its burst. */
  readonly failuresPerMinute: number;
  /** Clients (IP addresses) remembered at once; past it the one idle longest is forgotten. */
  readonly maxClients?: number;
  readonly clock?: () => number;
}

/**
 * An attacker behind many addresses (an IPv6 /64 holds 2^64) must not grow memory without bound:
 * 100,000 IPv6 clients take about 20 MB. Forgetting the one idle longest gives it a fresh burst, no more.
 */
export const DEFAULT_MAX_THROTTLED_CLIENTS = 100_000;

const PERIOD_MS = 60_000;

/**
 * Limits failed authentications per client, checked before any key is compared, so a client
 * over its limit learns nothing about the key it sent, right or wrong; only failures count, so a
 * client with a good key is never slowed by it. Shared by every server of a process, so that two
 * ports do not give twice the guesses.
 *
 * A token bucket kept as one number per client, the time its debt is paid (GCRA, as in
 * rate-limiting proxies): each failure pushes it one interval (60 s / the rate) later, and a
 * client may try while it is less than a burst ahead of now. No refill is summed, so no float
 * error builds up, and a client whose debt is paid is forgotten.
 */
export class FailedAuthThrottle {
  private readonly paidAt: LRUCache<string, number>;
  private readonly intervalMs: number;
  private readonly clock: () => number;
  readonly failuresPerMinute: number;

  constructor(options: FailedAuthThrottleOptions) {
    this.failuresPerMinute = options.failuresPerMinute;
    this.intervalMs = PERIOD_MS / options.failuresPerMinute;
    this.clock = options.clock ?? Date.now;
    this.paidAt = new LRUCache({ max: options.maxClients ?? DEFAULT_MAX_THROTTLED_CLIENTS });
  }

  /** Clients with failures not yet forgiven. */
  get trackedClients(): number {
    return this.paidAt.size;
  }

  /** Throws VTG_AUTH_THROTTLED when `client` has no failure left to spend. */
  check(client: string): void {
    const paidAt = this.paidAt.get(client);
    if (paidAt === undefined) return;
    const now = this.clock();
    if (paidAt <= now) {
      this.paidAt.delete(client);
      return;
    }
    const waitMs = paidAt + this.intervalMs - PERIOD_MS - now;
    if (waitMs <= 0) return;
    const retryAfter = Math.ceil(waitMs / 1000);
    throw new VantageError('VTG_AUTH_THROTTLED', {
      params: { limit: this.failuresPerMinute, retryAfter },
      field: 'authorization',
      retryAfter,
    });
  }

  recordFailure(client: string): void {
    const now = this.clock();
    this.paidAt.set(client, Math.max(this.paidAt.get(client) ?? now, now) + this.intervalMs);
  }
}
