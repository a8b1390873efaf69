import { Pool } from 'undici';
import { percentile } from './support.js';

export interface ProbeResult {
  readonly probes: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * How long a server takes to answer a request that costs it nothing (`GET /live`) while it is
 * under load: one probe every `intervalMs`, sent on schedule whether or not the earlier ones were
 * answered (an open loop). A closed-loop load generator stops asking while a server stalls, so
 * its percentiles hide the stall; a probe sent during it waits it out and shows it. In embedded
 * mode the API, the collector and a store read on the main thread all share one event loop, so
 * this is also what a collector's 202 waits for.
 */
export async function probeLatency(
  url: string,
  intervalMs: number,
  durationMs: number,
): Promise<ProbeResult> {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections: 256, pipelining: 1 });
  const times: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let n = 0; ; n++) {
    const due = started + n * intervalMs;
    if (due >= started + durationMs) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      (async () => {
        const t0 = performance.now();
        const res = await pool.request({ method: 'GET', path: pathname });
        await res.body.text();
        times.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all(pending);
  await pool.close();
  times.sort((a, b) => a - b);
  return {
    probes: times.length,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    max: times[times.length - 1] ?? Number.NaN,
  };
}
