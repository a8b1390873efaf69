import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, NODE_FLAGS, REPO_ROOT } from './support/vantage-process.js';

/** `vantage start` refuses bad settings at boot with a message naming them. */
function start(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-cli-'));
  try {
    const r = spawnSync(process.execPath, [CLI, 'start', '--data-dir', dir, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('vantage start with bad settings', () => {
  it('names a bad flag and its variable, and every other bad setting, then exits 2', () => {
    const r = start(['--api-port', 'abc', '--max-sample-age', 'forever']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--api-port / VANTAGE_API_PORT = "abc"');
    expect(r.stderr).toContain('--max-sample-age / VANTAGE_MAX_SAMPLE_AGE = "forever"');
  });

  it('reads VANTAGE_* variables', () => {
    const r = start([], { VANTAGE_RATE_LIMIT_PER_MINUTE: '-5' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--rate-limit-per-minute / VANTAGE_RATE_LIMIT_PER_MINUTE = "-5"');
  });

  it('says which setting to change when a port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const r = start([
        '--host',
        '127.0.0.1',
        '--collector-port',
        '0',
        '--api-port',
        String(port),
        '--api-metrics-port',
        '0',
        '--worker-metrics-port',
        '0',
        '--otlp-http-port',
        '0',
        '--otlp-grpc-port',
        '0',
      ]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        `Port ${port} is already in use: choose another with --api-port or VANTAGE_API_PORT`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('the V8 flags Vantage runs with', () => {
  it('are the same in the bin, npm start, the Docker image and the test servers', () => {
    const read = (file: string): string => readFileSync(join(REPO_ROOT, file), 'utf8');
    const flags = NODE_FLAGS.join(' ');
    expect(read('src/cli/main.ts').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    // `exec`: a SIGTERM to npm reaches Vantage, not a shell that would die and leave it running.
    expect(scripts.start).toContain(`&& exec node ${flags} dist/cli/main.js start`);
    expect(scripts.vantage).toBe(`node scripts/check-node.cjs && exec node ${flags} dist/cli/main.js`);
    expect(read('Dockerfile')).toContain(
      `ENTRYPOINT ["node", ${NODE_FLAGS.map((f) => JSON.stringify(f)).join(', ')}, "dist/cli/main.js"]`,
    );
  });
});
