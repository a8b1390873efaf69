import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The built CLI; the bench runs from .cache/bench-build/bench, the CLI from dist/. */
export const CLI = join(here, '..', '..', '..', 'dist', 'cli', 'main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  readonly child: ChildProcess;
  readonly collector: string;
  readonly api: string;
  readonly workerMetrics: string;
  stop(): Promise<void>;
}

/** Embedded Vantage in its own process, so that the load generator does not share its core. */
export async function startServer(dataDir: string, extra: string[] = []): Promise<Server> {
  const [c, a, am, wm] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--collector-port',
      String(c),
      '--api-port',
      String(a),
      '--api-metrics-port',
      String(am),
      '--worker-metrics-port',
      String(wm),
      '--log-level',
      'warn',
      '--rate-limit-per-minute',
      '100000000',
      ...extra,
      ...(process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const collector = `http://127.0.0.1:${c}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${collector}/ready`)).ok) break;
    } catch {
      // starting
    }
    if (i > 200) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    collector,
    api: `http://127.0.0.1:${a}`,
    workerMetrics: `http://127.0.0.1:${wm}/metrics`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
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
