import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { CLI, NODE_FLAGS, freePort } from './vantage-process.js';

export type Role = 'collector' | 'worker' | 'api';

export interface RoleProcess {
  readonly role: Role;
  readonly child: ChildProcess;
  /** The role's main HTTP server: collector, query API, or the worker's metrics port. */
  readonly url: string;
  /** Where its Prometheus metrics are. */
  readonly metrics: string;
  /** A collector's OTLP/HTTP base URL and OTLP/gRPC address (unused by the other roles). */
  readonly otlpHttp: string;
  readonly otlpGrpc: string;
  readonly output: () => string;
  /** Resolves with the exit code (or signal). */
  readonly exited: Promise<number | string>;
}

/**
 * Runs the built `vantage <role>` as a child process on free ports and waits until its /ready
 * answers 200 (the worker's on its metrics port).
 */
export async function startRole(
  role: Role,
  args: readonly string[],
  timeoutMs = 40_000,
): Promise<RoleProcess> {
  const [main, extra, otlpHttp, otlpGrpc] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const portArgs =
    role === 'collector'
      ? [
          '--collector-port',
          String(main),
          '--otlp-http-port',
          String(otlpHttp),
          '--otlp-grpc-port',
          String(otlpGrpc),
        ]
      : role === 'worker'
        ? ['--worker-metrics-port', String(main)]
        : ['--api-port', String(main), '--api-metrics-port', String(extra)];
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, CLI, role, '--host', '127.0.0.1', ...portArgs, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${main}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`vantage ${role} exited early:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vantage ${role} did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    role,
    child,
    url,
    metrics: role === 'api' ? `http://127.0.0.1:${extra}/metrics` : `${url}/metrics`,
    otlpHttp: `http://127.0.0.1:${otlpHttp}`,
    otlpGrpc: `127.0.0.1:${otlpGrpc}`,
    output: () => output,
    exited,
  };
}

/** SIGTERM, and the exit code it ended with. */
export async function stopRole(p: RoleProcess): Promise<number | string> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  return p.exited;
}
