import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, timeseries } from './support/http.js';
import { CLI, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/** The demo data command, as the README's tour runs it, against a real embedded Vantage. */
let dir: string;
let vantage: VantageProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-demo-'));
  vantage = await startVantageProcess(dir, ['--worker-linger', '20ms']);
});

afterAll(async () => {
  vantage.child.kill('SIGTERM');
  await vantage.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('vantage send-test-metrics', () => {
  it('backfills realistic services that the query API then serves', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'send-test-metrics', '--endpoint', vantage.collector, '--hours', '0.5', '--live', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    const sent = Number(/Sent (\d+) samples/.exec(out)?.[1]);
    expect(sent).toBeGreaterThan(1_000);

    const services = await eventually(async () => {
      const body = (await (await fetch(`${vantage.api}/v1/services`)).json()) as {
        services: { name: string }[];
      };
      return body.services.length >= 4 ? body.services.map((s) => s.name) : undefined;
    });
    expect(services).toEqual(expect.arrayContaining(['checkout', 'payments', 'search', 'inventory']));
    const rate = await timeseries(vantage.api, {
      service: 'checkout',
      metric: 'http_requests_total',
      from: '-30m',
      to: 'now',
      step: '5m',
      agg: 'rate',
      group_by: 'route',
    });
    expect(rate.map((s) => s.tags.route).sort()).toEqual(['/cart', '/pay']);
    for (const s of rate) for (const [, rps] of s.points) expect(rps).toBeGreaterThan(0);
    const p99 = await timeseries(vantage.api, {
      service: 'payments',
      metric: 'http_request_duration_ms',
      from: '-30m',
      to: 'now',
      step: '5m',
      agg: 'p99',
    });
    expect(p99[0]?.points.length).toBeGreaterThan(0);
  });
});
