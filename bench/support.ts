import { readFileSync } from 'node:fs';
import { startVantageProcess } from '../test/support/vantage-process.js';
import type { VantageProcess } from '../test/support/vantage-process.js';

export type Server = VantageProcess & { stop(): Promise<void> };

/**
 * Embedded Vantage in its own process, so that the load generator does not share its core.
 * `nodeFlags` go to node before the CLI (`--cpu-prof` for a profile of the server).
 */
export async function startServer(dataDir: string, nodeFlags: readonly string[] = []): Promise<Server> {
  const extra = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const server = await startVantageProcess(
    dataDir,
    ['--rate-limit-per-minute', '100000000', ...extra],
    'inherit',
    nodeFlags,
  );
  return {
    ...server,
    stop: async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    },
  };
}

/** Resident set size of a process, in bytes (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** A counter's value from Prometheus text (summed over labels). */
export async function promValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + '{') || line.startsWith(name + ' '))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}
