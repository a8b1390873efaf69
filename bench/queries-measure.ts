import { Pool } from 'undici';
import type { Ask } from './queries-questions.js';
import { percentile } from './support.js';

/** One answer: status, body text, and Vantage's X-Vantage-Cache header. */
export interface Reply {
  readonly status: number;
  readonly text: string;
  readonly cache: string | undefined;
}

export async function send(pool: Pool, ask: Ask): Promise<Reply> {
  const res = await pool.request({
    method: ask.method,
    path: ask.path,
    ...(ask.body === undefined ? {} : { body: ask.body, headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.body.text();
  const cache = res.headers['x-vantage-cache'];
  return { status: res.statusCode, text, cache: typeof cache === 'string' ? cache : undefined };
}

export interface Timing {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

function timing(times: number[], elapsedMs: number): Timing {
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    perSecond: (times.length / elapsedMs) * 1000,
  };
}

function check(reply: Reply, ask: Ask): void {
  if (reply.status !== 200) throw new Error(`${ask.path}: ${reply.status} ${reply.text.slice(0, 300)}`);
}

/** `reps` requests one after another. */
export async function sequential(url: string, ask: Ask, reps: number): Promise<Timing> {
  const pool = new Pool(url, { connections: 1 });
  const times: number[] = [];
  const started = performance.now();
  try {
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const reply = await send(pool, ask);
      times.push(performance.now() - t0);
      check(reply, ask);
    }
  } finally {
    await pool.close();
  }
  return timing(times, performance.now() - started);
}

/**
 * `clients` clients at once, each asking again as soon as it is answered (closed loop), until
 * `durationMs` is over and each has been answered at least once: a slow system still gives every
 * client one measured answer.
 */
export async function concurrent(
  url: string,
  ask: Ask,
  clients: number,
  durationMs: number,
): Promise<Timing> {
  const pool = new Pool(url, { connections: clients, pipelining: 1 });
  const times: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        do {
          const t0 = performance.now();
          const reply = await send(pool, ask);
          times.push(performance.now() - t0);
          check(reply, ask);
        } while (performance.now() < deadline);
      }),
    );
  } finally {
    await pool.close();
  }
  return timing(times, performance.now() - started);
}
