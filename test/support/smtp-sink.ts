import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { VENV_PYTHON } from './prometheus-client-app.js';
import { freePort } from './vantage-process.js';
import type { ExternalProcess } from './prometheus-process.js';

/**
 * A real SMTP server, Python's aiosmtpd (pinned in test/support/chdb-requirements.txt, installed
 * into .cache/venv by scripts/services.sh), delivering every message into a Maildir in `dir`.
 */
export interface SmtpSink extends ExternalProcess {
  readonly host: string;
  readonly port: number;
  /** The raw messages received so far, oldest first. */
  messages(): string[];
}

export async function startSmtpSink(dir: string): Promise<SmtpSink> {
  mkdirSync(dir, { recursive: true });
  const maildir = join(dir, 'maildir');
  const port = await freePort();
  const child = spawn(
    VENV_PYTHON,
    ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`aiosmtpd exited early:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`aiosmtpd did not listen:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    host: '127.0.0.1',
    port,
    url: `smtp://127.0.0.1:${port}`,
    output: () => output,
    messages: () => {
      const fresh = join(maildir, 'new');
      if (!existsSync(fresh)) return [];
      return readdirSync(fresh)
        .sort()
        .map((f) => readFileSync(join(fresh, f), 'utf8'));
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
