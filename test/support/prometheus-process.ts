import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './vantage-process.js';

/**
 * Debian's Prometheus (2.42) and VictoriaMetrics (1.79), started as real processes on free
 * loopback ports: the remote_write test's sender and the benchmark's reference receivers.
 * `bash scripts/install-prometheus.sh` installs both.
 */
export interface ExternalProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Whether a binary is on PATH (the installer puts both in /usr/bin). */
export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export async function startProcess(
  command: string,
  args: string[],
  url: string,
  readyPath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExternalProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  // Keep the last 64 KiB: both log a line per event and a long test would hold them all.
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited early:\n${output}`);
    try {
      if ((await fetch(url + readyPath)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Prometheus with `config` (prometheus.yml text) in `dir`. `--web.enable-remote-write-receiver`
 * makes it a remote_write receiver too (the benchmark); the test uses it as a sender.
 */
export async function startPrometheus(
  dir: string,
  config: string,
  extraArgs: string[] = [],
): Promise<ExternalProcess> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const port = await freePort();
  return startProcess(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...extraArgs,
    ],
    `http://127.0.0.1:${port}`,
    '/-/ready',
  );
}

export async function startVictoriaMetrics(dir: string, extraArgs: string[] = []): Promise<ExternalProcess> {
  const port = await freePort();
  return startProcess(
    'victoria-metrics',
    [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=WARN', ...extraArgs],
    `http://127.0.0.1:${port}`,
    '/health',
  );
}

/** An instant PromQL query against Prometheus' HTTP API: each series' labels and value. */
export async function promQuery(
  prometheus: string,
  query: string,
  time?: number,
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const params = new URLSearchParams({ query });
  if (time !== undefined) params.set('time', String(time / 1000));
  const res = await fetch(`${prometheus}/api/v1/query?${params}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`PromQL ${query}: ${body.error ?? res.status}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/**
 * Debian's Alertmanager (0.25, `prometheus-alertmanager`) with its own config and data directory
 * in `dir`, clustering off, on a free port: the receiving end of Vantage's alertmanager channel.
 */
export async function startAlertmanager(dir: string): Promise<ExternalProcess> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'alertmanager.yml');
  // One receiver that sends nowhere: the test reads the alerts back through the API.
  writeFileSync(configFile, 'route:\n  receiver: keep\nreceivers:\n  - name: keep\n');
  const port = await freePort();
  return startProcess(
    'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    `http://127.0.0.1:${port}`,
    '/-/ready',
  );
}
