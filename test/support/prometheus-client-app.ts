import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './vantage-process.js';

/** The venv scripts/services.sh installs (test/support/chdb-requirements.txt pins prometheus-client). */
export const VENV_PYTHON = join(REPO_ROOT, '.cache', 'venv', 'bin', 'python');

export interface PrometheusClientApp {
  readonly child: ChildProcess;
  readonly port: number;
  readonly base: string;
  /** Stops the app and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts test/support/prometheus_client_app.py on `port` (0: any free port) and waits until it listens. */
export async function startPrometheusClientApp(port = 0): Promise<PrometheusClientApp> {
  if (!existsSync(VENV_PYTHON))
    throw new Error(
      `${VENV_PYTHON} is missing: run scripts/services.sh install (it installs prometheus-client)`,
    );
  const child = spawn(
    VENV_PYTHON,
    [join(REPO_ROOT, 'test', 'support', 'prometheus_client_app.py'), String(port)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const bound = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /listening (\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`prometheus_client_app.py exited (${code}):\n${output}`)));
  });
  return {
    child,
    port: bound,
    base: `http://127.0.0.1:${bound}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
