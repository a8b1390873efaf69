import { describe, it, expect } from 'vitest';
import { SEED_BACKOFF, abortableSleep, backoffDelay, retryWithBackoff } from './backoff.js';
import type { BackoffPolicy } from './backoff.js';
import { failed, ok, retryable } from './outcome.js';
import type { Outcome } from './outcome.js';

/** An attempt that plays back the given outcomes, then stays on the last one. */
function scripted<T>(outcomes: Outcome<T>[]): { attempt: () => Promise<Outcome<T>>; calls: () => number } {
  let n = 0;
  return {
    attempt: async () => outcomes[Math.min(n++, outcomes.length - 1)] as Outcome<T>,
    calls: () => n,
  };
}

function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}

const err = new Error('store unavailable');

describe('backoffDelay', () => {
  it('doubles from the initial delay, within the jitter', () => {
    for (const [retry, base] of [
      [0, 2_000],
      [1, 4_000],
      [2, 8_000],
      [3, 16_000],
    ] as const) {
      expect(backoffDelay(SEED_BACKOFF, retry, () => 0)).toBe(base * 0.8);
      expect(backoffDelay(SEED_BACKOFF, retry, () => 0.5)).toBe(base);
      expect(backoffDelay(SEED_BACKOFF, retry, () => 0.999999)).toBeLessThanOrEqual(base * 1.2);
      expect(backoffDelay(SEED_BACKOFF, retry, () => 0.999999)).toBeGreaterThan(base * 1.19);
    }
  });

  it('caps at the maximum delay', () => {
    expect(backoffDelay(SEED_BACKOFF, 10, () => 0.5)).toBe(60_000);
    expect(backoffDelay(SEED_BACKOFF, 1_000, () => 0.5)).toBe(60_000);
  });

  it('has no spread without jitter', () => {
    const policy: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 5, jitter: 0 };
    expect(backoffDelay(policy, 2, () => 0)).toBe(400);
    expect(backoffDelay(policy, 2, () => 0.99)).toBe(400);
  });
});

describe('retryWithBackoff', () => {
  it('retries retryable outcomes with 2 s, 4 s, 8 s (within jitter) until ok', async () => {
    const { attempt, calls } = scripted([retryable(err), retryable(err), retryable(err), ok(42)]);
    const { sleep, delays } = recordingSleep();
    const retries: [number, number][] = [];
    const outcome = await retryWithBackoff(attempt, SEED_BACKOFF, {
      sleep,
      onRetry: (e, n, delay) => {
        expect(e).toBe(err);
        retries.push([n, delay]);
      },
    });
    expect(outcome).toEqual({ kind: 'ok', value: 42 });
    expect(calls()).toBe(4);
    expect(delays).toHaveLength(3);
    [2_000, 4_000, 8_000].forEach((base, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(delays[i]).toBeLessThanOrEqual(base * 1.2);
    });
    expect(retries).toEqual(delays.map((d, i) => [i + 1, d]));
  });

  it('waits for Retry-After when it is longer than the backoff', async () => {
    const { attempt } = scripted([retryable(err, 30_000), retryable(err, 10), ok()]);
    const { sleep, delays } = recordingSleep();
    await retryWithBackoff(attempt, SEED_BACKOFF, { sleep });
    expect(delays[0]).toBe(30_000);
    expect(delays[1]).toBeGreaterThanOrEqual(3_200);
    expect(delays[1]).toBeLessThanOrEqual(4_800);
  });

  it('stops at once on ok or failed', async () => {
    const okRun = scripted([ok('done')]);
    const sleeper = recordingSleep();
    expect(await retryWithBackoff(okRun.attempt, SEED_BACKOFF, { sleep: sleeper.sleep })).toEqual({
      kind: 'ok',
      value: 'done',
    });
    const failure = failed(new Error('bad request'));
    const failRun = scripted<void>([retryable(err), failure, ok()]);
    expect(await retryWithBackoff(failRun.attempt, SEED_BACKOFF, { sleep: sleeper.sleep })).toBe(failure);
    expect(failRun.calls()).toBe(2);
    expect(sleeper.delays).toHaveLength(1);
  });

  it('gives up after maxAttempts, returning the last retryable outcome', async () => {
    const last = retryable(new Error('third'));
    const { attempt, calls } = scripted<void>([retryable(err), retryable(err), last]);
    const { sleep, delays } = recordingSleep();
    const policy: BackoffPolicy = { ...SEED_BACKOFF, maxAttempts: 3 };
    expect(await retryWithBackoff(attempt, policy, { sleep })).toBe(last);
    expect(calls()).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it('makes one attempt only with maxAttempts 1', async () => {
    const { attempt, calls } = scripted<void>([retryable(err)]);
    const { sleep, delays } = recordingSleep();
    const outcome = await retryWithBackoff(attempt, { ...SEED_BACKOFF, maxAttempts: 1 }, { sleep });
    expect(outcome.kind).toBe('retryable');
    expect(calls()).toBe(1);
    expect(delays).toEqual([]);
  });

  it('stops retrying once the signal aborts', async () => {
    const controller = new AbortController();
    const { attempt, calls } = scripted<void>([retryable(err)]);
    const delays: number[] = [];
    const outcome = await retryWithBackoff(attempt, SEED_BACKOFF, {
      signal: controller.signal,
      sleep: async (ms, signal) => {
        delays.push(ms);
        expect(signal).toBe(controller.signal);
        controller.abort();
      },
    });
    expect(outcome.kind).toBe('retryable');
    expect(calls()).toBe(2);
    expect(delays).toHaveLength(1);
  });

  it('does not sleep when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { attempt, calls } = scripted<void>([retryable(err)]);
    const { sleep, delays } = recordingSleep();
    const outcome = await retryWithBackoff(attempt, SEED_BACKOFF, { signal: controller.signal, sleep });
    expect(outcome.kind).toBe('retryable');
    expect(calls()).toBe(1);
    expect(delays).toEqual([]);
  });
});

describe('retryWithBackoff with a gate (a circuit breaker)', () => {
  /** Opens after two failures in a row and holds attempts back for 60 s; a success closes it. */
  function gate() {
    const log: string[] = [];
    let failures = 0;
    let open = false;
    return {
      log,
      waitMs: () => (open ? 60_000 : 0),
      recordSuccess: () => {
        log.push('success');
        failures = 0;
        open = false;
      },
      recordFailure: () => {
        log.push('failure');
        if (++failures >= 2) open = true;
      },
      holding: () => open,
      close: () => {
        open = false;
      },
    };
  }

  it('backs off while the gate lets attempts through, and waits for the gate instead once it holds', async () => {
    const g = gate();
    const { attempt, calls } = scripted([retryable(err), retryable(err), ok('stored')]);
    const delays: number[] = [];
    const outcome = await retryWithBackoff(attempt, SEED_BACKOFF, {
      gate: g,
      sleep: async (ms) => {
        delays.push(ms);
        // The probe interval passes: the breaker lets the next attempt through.
        if (ms === 60_000) g.close();
      },
    });
    expect(outcome).toEqual({ kind: 'ok', value: 'stored' });
    expect(calls()).toBe(3);
    expect(delays[0]).toBeGreaterThanOrEqual(1_600);
    expect(delays[0]).toBeLessThanOrEqual(2_400);
    expect(delays[1]).toBe(60_000);
    expect(g.log).toEqual(['failure', 'failure', 'success']);
  });

  it('hands back the outcome stopWhen asks for, without retrying it', async () => {
    const g = gate();
    const { attempt, calls } = scripted<void>([retryable(err)]);
    const { sleep, delays } = recordingSleep();
    const outcome = await retryWithBackoff(attempt, SEED_BACKOFF, {
      gate: g,
      sleep,
      stopWhen: () => g.holding(),
    });
    expect(outcome.kind).toBe('retryable');
    expect(calls()).toBe(2);
    expect(delays).toHaveLength(1);
  });
});

describe('abortableSleep', () => {
  it('resolves early when its signal aborts', async () => {
    const controller = new AbortController();
    const slept = abortableSleep(3_600_000, controller.signal).then(() => 'woke');
    controller.abort();
    await expect(slept).resolves.toBe('woke');
  });

  it('resolves at once for an aborted signal', async () => {
    await expect(abortableSleep(3_600_000, AbortSignal.abort()).then(() => 'woke')).resolves.toBe('woke');
  });

  it('resolves after a short sleep without a signal', async () => {
    await expect(abortableSleep(1).then(() => 'woke')).resolves.toBe('woke');
  });
});
