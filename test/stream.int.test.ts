import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamTickets, ticketSecret } from '../src/api/stream/stream-tickets.js';
import { eventually, postMetrics } from './support/http.js';
import type { TestMetric } from './support/http.js';
import { StreamTestClient, streamUrl } from './support/stream-client.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * `GET /v1/stream` on a real embedded Vantage process with real WebSocket clients: points posted
 * to the collector reach the streams whose subscriptions match, fed from the log.
 */
const KEY = 'stream-test-key-long-enough-for-the-start-up-check';
const MAX_CONNECTIONS = 6;

let openDir: string;
let keyedDir: string;
/** No API keys; small connection cap and buffer limit. */
let open: VantageProcess;
/** API keys, a dashboard origin, quick heartbeats. */
let keyed: VantageProcess;
const clients: StreamTestClient[] = [];

async function apiReady(p: VantageProcess): Promise<void> {
  await eventually(async () =>
    (await fetch(`${p.api}/ready`).catch(() => undefined))?.ok ? true : undefined,
  );
}

async function connect(p: VantageProcess, options: Parameters<typeof StreamTestClient.open>[1] = {}) {
  const client = await StreamTestClient.open(streamUrl(p.api), options);
  clients.push(client);
  return client;
}

async function metric(p: VantageProcess, line: string): Promise<number> {
  const text = await (await fetch(p.apiMetrics)).text();
  const found = text.split('\n').find((l) => l.startsWith(line));
  return found === undefined ? 0 : Number(found.slice(found.lastIndexOf(' ') + 1));
}

async function closeAll(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close()));
}

beforeAll(async () => {
  openDir = mkdtempSync(join(tmpdir(), 'vantage-stream-open-'));
  keyedDir = mkdtempSync(join(tmpdir(), 'vantage-stream-keyed-'));
  [open, keyed] = await Promise.all([
    startVantageProcess(openDir, [
      '--rate-limit-per-minute',
      '1000000',
      '--stream-max-connections',
      String(MAX_CONNECTIONS),
      '--stream-max-buffered-bytes',
      String(64 * 1024),
    ]),
    startVantageProcess(keyedDir, [
      '--api-keys',
      KEY,
      '--stream-heartbeat-interval',
      '300ms',
      '--stream-allowed-origins',
      'https://dash.example.com',
    ]),
  ]);
  await Promise.all([apiReady(open), apiReady(keyed)]);
});

afterAll(async () => {
  await closeAll();
  for (const p of [open, keyed]) {
    if (!p) continue;
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }
  rmSync(openDir, { recursive: true, force: true });
  rmSync(keyedDir, { recursive: true, force: true });
});

describe('the live stream, embedded', () => {
  it('delivers the points of matching series only', async () => {
    const pay = await connect(open);
    const search = await connect(open);
    await pay.subscribe('pay', { service: 'checkout', metric: 'latency_ms', tags: { route: '/pay' } });
    await search.subscribe('search', { service: 'search' });

    const first: TestMetric[] = [
      { service: 'checkout', name: 'latency_ms', value: 10, tags: { route: '/pay', region: 'eu' } },
      { service: 'checkout', name: 'latency_ms', value: 20, tags: { route: '/pay', region: 'eu' } },
      { service: 'checkout', name: 'latency_ms', value: 30, tags: { route: '/cart', region: 'eu' } },
      { service: 'checkout', name: 'errors', value: 1, type: 'counter', tags: { route: '/pay' } },
      { service: 'search', name: 'latency_ms', value: 5 },
    ];
    expect((await postMetrics(open.collector, first)).status).toBe(202);
    // A second bus message: once its point arrived, everything of the first has too.
    const sentinel: TestMetric[] = [
      { service: 'checkout', name: 'latency_ms', value: 1000, tags: { route: '/pay', region: 'us' } },
      { service: 'search', name: 'qps', value: 1000 },
    ];
    expect((await postMetrics(open.collector, sentinel)).status).toBe(202);
    await pay.waitFor((m) => m.type === 'data' && m.points.some((p) => p.max === 1000), 'the /pay sentinel');
    await search.waitFor(
      (m) => m.type === 'data' && m.points.some((p) => p.max === 1000),
      'the search sentinel',
    );

    const payPoints = pay.points('pay');
    for (const p of payPoints) {
      expect([p.service, p.metric, p.type, p.tags.route]).toEqual([
        'checkout',
        'latency_ms',
        'gauge',
        '/pay',
      ]);
      expect(p.t % 60_000).toBe(0);
    }
    expect(payPoints.reduce((n, p) => n + p.count, 0)).toBe(3);
    expect(payPoints.reduce((n, p) => n + p.sum, 0)).toBe(1030);
    const searchPoints = search.points('search');
    expect(new Set(searchPoints.map((p) => p.service))).toEqual(new Set(['search']));
    expect(searchPoints.map((p) => p.metric).sort()).toEqual(['latency_ms', 'qps']);
    expect(await metric(open, 'vantage_api_websocket_connections{')).toBe(2);
    await closeAll();
  });

  it('answers a bad message with an error and keeps the socket open', async () => {
    const client = await connect(open);
    client.send('not json');
    client.send({ type: 'subscribe', service: 'checkout' });
    await client.waitFor((m) => m.type === 'error' && m.field === 'id', 'the missing id error');
    expect(client.messages.map((m) => (m.type === 'error' ? m.code : m.type))).toEqual([
      'VTG_STREAM_INVALID_MESSAGE',
      'VTG_STREAM_INVALID_MESSAGE',
    ]);
    await client.subscribe('ok', { service: 'checkout' });
    await closeAll();
  });

  it('refuses pages of other origins and plain GETs, and lets in its own host', async () => {
    const refusal = await StreamTestClient.refusal(streamUrl(open.api), { origin: 'https://evil.example' });
    expect(refusal.status).toBe(403);
    expect(refusal.body.error).toMatchObject({ code: 'VTG_STREAM_ORIGIN_NOT_ALLOWED', field: 'origin' });
    const own = await connect(open, { origin: open.api });
    await own.subscribe('own');

    const plain = await fetch(`${open.api}/v1/stream`);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe(
      'VTG_STREAM_UPGRADE_REQUIRED',
    );
    await closeAll();
  });

  it('refuses streams over --stream-max-connections until one closes', async () => {
    await eventually(async () =>
      (await metric(open, 'vantage_api_websocket_connections{')) === 0 ? true : undefined,
    );
    const held = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await connect(open));
    const refusal = await StreamTestClient.refusal(streamUrl(open.api));
    expect(refusal.status).toBe(503);
    expect(refusal.body.error?.code).toBe('VTG_STREAM_TOO_MANY_CONNECTIONS');
    expect(Number(refusal.headers['retry-after'])).toBeGreaterThan(0);
    expect(
      await metric(open, 'vantage_api_stream_refused_total{code="VTG_STREAM_TOO_MANY_CONNECTIONS"'),
    ).toBe(1);

    await held[0]?.close();
    const again = await eventually(
      () => StreamTestClient.open(streamUrl(open.api)).catch(() => undefined),
      10_000,
      'a place to free up',
    );
    clients.push(again);
    await closeAll();
  });

  it('drops a client that stops reading, and the others keep receiving everything', async () => {
    const slow = await connect(open);
    const fast = await connect(open);
    await slow.subscribe('bulk', { service: 'bulk' });
    await fast.subscribe('bulk', { service: 'bulk' });
    slow.socket.pause();

    // Each request: 1,000 series with long tags, some 300 KB of points per stream.
    const padding = 'x'.repeat(200);
    let posted = 0;
    for (let round = 0; round < 200; round++) {
      const batch: TestMetric[] = Array.from({ length: 1_000 }, (_, i) => ({
        service: 'bulk',
        name: 'load',
        value: round,
        tags: { host: `h${i}`, padding },
      }));
      expect((await postMetrics(open.collector, batch)).status).toBe(202);
      posted += batch.length;
      if ((await metric(open, 'vantage_api_stream_clients_dropped_total{reason="slow"')) >= 1) break;
    }
    expect(await metric(open, 'vantage_api_stream_clients_dropped_total{reason="slow"')).toBe(1);
    slow.socket.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'VTG_STREAM_SLOW_CONSUMER' });

    const sentinel = { service: 'bulk', name: 'sentinel', value: 1 };
    expect((await postMetrics(open.collector, [sentinel])).status).toBe(202);
    await fast.waitFor(
      (m) => m.type === 'data' && m.points.some((p) => p.metric === 'sentinel'),
      'the sentinel',
    );
    const received = fast
      .points('bulk')
      .filter((p) => p.metric === 'load')
      .reduce((n, p) => n + p.count, 0);
    expect(received).toBe(posted);
    await closeAll();
  });
});

describe('the live stream with API keys', () => {
  const ticket = async (headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) => {
    const res = await fetch(`${keyed.api}/v1/stream/ticket`, { method: 'POST', headers });
    return {
      status: res.status,
      body: (await res.json()) as { ticket?: string; expiresAt?: number; error?: { code: string } },
    };
  };

  it('opens with a single-use ticket from POST /v1/stream/ticket', async () => {
    expect(await ticket({})).toMatchObject({
      status: 401,
      body: { error: { code: 'VTG_AUTH_MISSING_KEY' } },
    });
    const issued = await ticket();
    expect(issued.status).toBe(200);
    expect(issued.body.expiresAt).toBeGreaterThan(Date.now());
    const client = await StreamTestClient.open(streamUrl(keyed.api, issued.body.ticket));
    clients.push(client);
    await client.subscribe('with-ticket', { service: 'checkout' });
    expect(
      (
        await postMetrics(keyed.collector, [{ service: 'checkout', name: 'm', value: 7 }], {
          'x-api-key': KEY,
        })
      ).status,
    ).toBe(202);
    await client.waitFor((m) => m.type === 'data' && m.points.some((p) => p.last === 7), 'the point');

    const reused = await StreamTestClient.refusal(streamUrl(keyed.api, issued.body.ticket));
    expect([reused.status, reused.body.error?.code]).toEqual([401, 'VTG_STREAM_TICKET_USED']);
    await closeAll();
  });

  it('refuses a missing, expired, forged or mistyped ticket and a wrong key', async () => {
    const missing = await StreamTestClient.refusal(streamUrl(keyed.api));
    expect([missing.status, missing.body.error?.code, missing.body.error?.field]).toEqual([
      401,
      'VTG_STREAM_TICKET_REQUIRED',
      'ticket',
    ]);
    // Signed with the secret the server derives from the same key, a minute ago.
    const stale = new StreamTickets(ticketSecret([KEY]), () => Date.now() - 60_000).issue().ticket;
    const expired = await StreamTestClient.refusal(streamUrl(keyed.api, stale));
    expect(expired.body.error?.code).toBe('VTG_STREAM_TICKET_EXPIRED');
    const foreign = new StreamTickets(ticketSecret(['another-key'])).issue().ticket;
    expect((await StreamTestClient.refusal(streamUrl(keyed.api, foreign))).body.error?.code).toBe(
      'VTG_STREAM_TICKET_INVALID',
    );
    const wrongKey = await StreamTestClient.refusal(streamUrl(keyed.api), {
      headers: { 'x-api-key': 'nope' },
    });
    expect([wrongKey.status, wrongKey.body.error?.code]).toEqual([401, 'VTG_AUTH_INVALID_KEY']);
  });

  it('lets in the configured origin and a key in a header; checks Origin before the ticket', async () => {
    const issued = await ticket();
    const evil = await StreamTestClient.refusal(streamUrl(keyed.api, issued.body.ticket), {
      origin: 'https://evil.example',
    });
    expect(evil.body.error?.code).toBe('VTG_STREAM_ORIGIN_NOT_ALLOWED');
    const dashboard = await StreamTestClient.open(streamUrl(keyed.api, issued.body.ticket), {
      origin: 'https://dash.example.com',
    });
    clients.push(dashboard);
    const cli = await StreamTestClient.open(streamUrl(keyed.api), {
      headers: { authorization: `Bearer ${KEY}` },
    });
    clients.push(cli);
    await Promise.all([dashboard.subscribe('d'), cli.subscribe('c')]);
    await closeAll();
  });

  it('sends heartbeats, and a client that answers pings stays connected', async () => {
    const client = await connect(keyed, { headers: { 'x-api-key': KEY } });
    // Three heartbeats: the connection outlived two ping checks.
    await client.waitFor((m) => m.type === 'heartbeat', 'a first heartbeat');
    await eventually(async () =>
      client.messages.filter((m) => m.type === 'heartbeat').length >= 3 ? true : undefined,
    );
    const beats = client.messages.flatMap((m) => (m.type === 'heartbeat' ? [m.t] : []));
    expect(beats).toEqual([...beats].sort((a, b) => a - b));
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await closeAll();
  });
});
