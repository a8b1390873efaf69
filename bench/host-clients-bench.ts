import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../test/support/vantage-process.js';
import { rssBytes } from './support.js';
import type { Server } from './support.js';

export interface AgentResult {
  readonly seconds: number;
  readonly intervalS: number;
  readonly cpuPercentOfOneCore: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

/** CPU time (user + system) of a process so far, in seconds (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * `vantage agent` at its default 10 s interval against a running Vantage: CPU share of one core
 * and resident memory after start-up.
 */
export async function runAgentBench(
  server: Server,
  seconds: number,
  log: (s: string) => void,
): Promise<AgentResult> {
  const intervalS = 10;
  const child = spawn(
    process.execPath,
    [
      CLI,
      'agent',
      '--endpoint',
      server.collector,
      '--interval',
      `${intervalS}s`,
      '--metrics-port',
      '0',
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const pid = child.pid as number;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Past start-up (module loading, the first two reads) before measuring.
  await new Promise((r) => setTimeout(r, 12_000));
  log(`  agent: measuring ${seconds} s`);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = cpuSeconds(pid) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  const rss = rssBytes(pid);
  const peak = peakRss(pid);
  child.kill('SIGTERM');
  await exited;
  return {
    seconds,
    intervalS,
    cpuPercentOfOneCore: (100 * cpu) / wall,
    rssMb: rss / 2 ** 20,
    peakRssMb: peak / 2 ** 20,
  };
}

/** The Python SDK's hot-path benchmark, as its own script prints it. */
export function runSdkBench(): string {
  const r = spawnSync('python3', [join(REPO_ROOT, 'sdk', 'python', 'benchmarks', 'bench_hot_path.py')], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) return `(the SDK benchmark failed: ${r.stderr.trim()})`;
  return r.stdout.trim();
}
