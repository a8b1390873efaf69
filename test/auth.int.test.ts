import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * Authentication of the built `vantage start`, over real sockets: the failed-attempt throttle,
 * the scrape token on the three /metrics ports, weak keys refused at start-up, `vantage keys new`.
 * Clients come from different loopback addresses (127.0.0.x) to be different clients.
 */
const KEY = 'auth-int-test-api-key-0123456789abcdefghijk';
const TOKEN = 'auth-int-test-scrape-token-0123456789abcdef';

let dir: string;
let vantage: VantageProcess;
const agents = new Map<string, Agent>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-auth-'));
  vantage = await startVantageProcess(dir, ['--api-keys', KEY, '--metrics-token', TOKEN]);
});

afterAll(async () => {
  for (const agent of agents.values()) agent.destroy();
  vantage.child.kill('SIGTERM');
  await vantage.exited;
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/** One HTTP request from the loopback address `from`, on a kept-alive connection of that address. */
function send(
  url: string,
  options: { from: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  let agent = agents.get(options.from);
  if (agent === undefined) {
    agent = new Agent({ keepAlive: true, localAddress: options.from });
    agents.set(options.from, agent);
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const code = (a: Answer): string | undefined =>
  (JSON.parse(a.body) as { error?: { code?: string } }).error?.code;

function ingest(from: string, key: string): Promise<Answer> {
  return send(`${vantage.collector}/v1/metrics`, {
    from,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      metrics: [{ service: 'auth-it', name: 'hits', value: 1, timestamp: Date.now() }],
    }),
  });
}

describe('failed authentications against a running server', () => {
  it('3,000 wrong keys: 10 reach the key check, the rest get a coded 429; a right key elsewhere works', async () => {
    const attacker = '127.0.0.4';
    const counts = new Map<string, number>();
    const started = performance.now();
    // 20 connections at once, as a scripted attacker would.
    await Promise.all(
      Array.from({ length: 20 }, async (_, worker) => {
        for (let i = worker; i < 3_000; i += 20) {
          const answer = await ingest(attacker, `wrong-key-${i}`);
          const key = `${answer.status} ${code(answer)}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          if (answer.status === 429) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `auth throttle: 3,000 wrong keys in ${seconds.toFixed(2)} s from one address: ` +
        `${counts.get('401 VTG_AUTH_INVALID_KEY') ?? 0} reached the key check, ` +
        `${counts.get('429 VTG_AUTH_THROTTLED') ?? 0} refused before it`,
    );
    expect(Object.fromEntries(counts)).toEqual({
      '401 VTG_AUTH_INVALID_KEY': 10,
      '429 VTG_AUTH_THROTTLED': 2_990,
    });

    const late = await ingest(attacker, KEY);
    expect([late.status, code(late)]).toEqual([429, 'VTG_AUTH_THROTTLED']);
    const other = await ingest('127.0.0.5', KEY);
    expect(other.status).toBe(202);
  });
});

describe('the Prometheus endpoints', () => {
  it('answer 401 without the scrape token and 200 with it, on all three ports', async () => {
    const from = '127.0.0.6';
    for (const url of [`${vantage.collector}/metrics`, vantage.apiMetrics, vantage.workerMetrics]) {
      const none = await send(url, { from });
      expect([url, none.status, code(none)]).toEqual([url, 401, 'VTG_AUTH_MISSING_KEY']);
      const apiKey = await send(url, { from, headers: { authorization: `Bearer ${KEY}` } });
      expect([url, apiKey.status, code(apiKey)]).toEqual([url, 401, 'VTG_AUTH_INVALID_KEY']);
      const token = await send(url, { from, headers: { authorization: `Bearer ${TOKEN}` } });
      expect([url, token.status]).toEqual([url, 200]);
      expect(token.body).toContain('# TYPE vantage_');
    }
  });

  it('leave the probes open on every port', async () => {
    const from = '127.0.0.7';
    const probes = [
      ...['/live', '/ready', '/health'].map((p) => `${vantage.collector}${p}`),
      ...['/live', '/ready', '/health'].map((p) => `${vantage.api}${p}`),
      vantage.apiMetrics.replace('/metrics', '/live'),
      vantage.workerMetrics.replace('/metrics', '/live'),
    ];
    for (const url of probes) expect([url, (await send(url, { from })).status]).toEqual([url, 200]);
  });

  it('are read by GET /v1/pipeline with the scrape token', async () => {
    const answer = await send(`${vantage.api}/v1/pipeline`, {
      from: '127.0.0.8',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(answer.status).toBe(200);
    const targets = (JSON.parse(answer.body) as { targets: { role: string; up: boolean }[] }).targets;
    expect(targets.map((t) => [t.role, t.up])).toEqual([
      ['collector', true],
      ['worker', true],
    ]);
  });
});

describe('keys', () => {
  it('a key under 32 characters stops start-up, naming the setting and not the key', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'start', '--data-dir', join(dir, 'refused'), '--api-keys', `${KEY},changeme`],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      '--api-keys / VANTAGE_API_KEYS = ***: each key must be at least 32 characters; make one with `vantage keys new`',
    );
    expect(r.stderr).not.toContain('changeme');
  });

  it('`vantage keys new` prints a new 43-character base64url key each time', () => {
    const run = () =>
      spawnSync(process.execPath, [CLI, 'keys', 'new'], { encoding: 'utf8', timeout: 20_000 });
    const [a, b] = [run(), run()];
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(b.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(a.stdout).not.toBe(b.stdout);
  });
});
