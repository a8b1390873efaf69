import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The checkout this file is in, found upward (the benchmarks run a compiled copy of it). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src', 'cli'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root');
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = repoRoot();
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
/**
 * The V8 flags every way of starting Vantage passes (the bin's shebang, npm start, the Docker
 * image; docs/operations.md, "Node heap"), so that tests and benchmarks run servers as users do.
 */
export const NODE_FLAGS = ['--max-semi-space-size=32'];

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface VantageProcess {
  readonly child: ChildProcess;
  readonly collector: string;
  readonly api: string;
  readonly apiMetrics: string;
  readonly workerMetrics: string;
  /** OTLP/HTTP's base URL (`http://127.0.0.1:port`) and OTLP/gRPC's address (`127.0.0.1:port`). */
  readonly otlpHttp: string;
  readonly otlpGrpc: string;
  readonly output: () => string;
  /** Resolves with the exit code (or signal). */
  readonly exited: Promise<number | string>;
}

/**
 * Runs the built `vantage start` as a child process and waits until the collector is ready;
 * `nodeFlags` go to node after NODE_FLAGS (a benchmark's `--cpu-prof`).
 */
export async function startVantageProcess(
  dataDir: string,
  extraArgs: string[] = [],
  stdio: 'pipe' | 'inherit' = 'pipe',
  nodeFlags: readonly string[] = [],
): Promise<VantageProcess> {
  const [collectorPort, apiPort, apiMetricsPort, workerMetricsPort, otlpHttpPort, otlpGrpcPort] =
    await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const child = spawn(
    process.execPath,
    [
      ...NODE_FLAGS,
      ...nodeFlags,
      CLI,
      'start',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--collector-port',
      String(collectorPort),
      '--api-port',
      String(apiPort),
      '--api-metrics-port',
      String(apiMetricsPort),
      '--worker-metrics-port',
      String(workerMetricsPort),
      // Never the defaults (4318, 4317): tests run side by side, and a machine may run an
      // OpenTelemetry Collector on them.
      '--otlp-http-port',
      String(otlpHttpPort),
      '--otlp-grpc-port',
      String(otlpGrpcPort),
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', stdio, stdio] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const collector = `http://127.0.0.1:${collectorPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vantage exited early:\n${output}`);
    try {
      if ((await fetch(`${collector}/ready`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vantage did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    collector,
    api: `http://127.0.0.1:${apiPort}`,
    apiMetrics: `http://127.0.0.1:${apiMetricsPort}/metrics`,
    workerMetrics: `http://127.0.0.1:${workerMetricsPort}/metrics`,
    otlpHttp: `http://127.0.0.1:${otlpHttpPort}`,
    otlpGrpc: `127.0.0.1:${otlpGrpcPort}`,
    output: () => output,
    exited,
  };
}
