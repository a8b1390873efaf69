import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AggregateStats, StreamServerMessage } from '../../core/index.js';
import type { LiveBatch } from './live-feed.js';
import { CLOSE_GRACE_MS, MAX_POINTS_PER_MESSAGE } from './stream-connection.js';
import type { StreamConnection, StreamSocket } from './stream-connection.js';
import { StreamHub } from './stream-hub.js';
import type { StreamLimits } from './stream-hub.js';
import { createStreamMetrics } from './stream-metrics.js';

/** A WebSocket that records what the hub does with it; `backlog` stands for unsent bytes. */
class FakeSocket implements StreamSocket {
  readonly sent: string[] = [];
  pings = 0;
  closedWith: { code: number; reason: string } | undefined;
  terminated = false;
  /** Bytes each send leaves unsent (a client that does not read). */
  backlogPerSend = 0;
  bufferedAmount = 0;

  send(data: string): void {
    this.sent.push(data);
    this.bufferedAmount += this.backlogPerSend;
  }
  ping(): void {
    this.pings++;
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  terminate(): void {
    this.terminated = true;
  }
  messages(): StreamServerMessage[] {
    return this.sent.map((s) => JSON.parse(s) as StreamServerMessage);
  }
  data(): Extract<StreamServerMessage, { type: 'data' }>[] {
    return this.messages().filter((m) => m.type === 'data');
  }
}

const LIMITS: StreamLimits = {
  maxConnections: 3,
  maxSubscriptions: 2,
  maxBufferedBytes: 1_000,
  heartbeatMs: 15_000,
};
const MINUTE = 1_764_201_600_000;

function setup(limits: Partial<StreamLimits> = {}) {
  const registry = new Registry();
  const metrics = createStreamMetrics(registry);
  const skipped: unknown[] = [];
  const hub = new StreamHub({
    ...LIMITS,
    ...limits,
    metrics,
    clock: () => MINUTE + 30_000,
    onSkipped: (e) => skipped.push(e),
  });
  const open = (): { socket: FakeSocket; stream: StreamConnection } => {
    const socket = new FakeSocket();
    const stream = hub.attach(socket);
    if (!stream) throw new Error('hub full');
    return { socket, stream };
  };
  const metric = async (name: string): Promise<string> =>
    (await registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith(name))
      .join('\n');
  return { hub, open, metric, skipped };
}

function aggregate(
  service: string,
  name: string,
  tags: Record<string, string>,
  value: number,
): AggregateStats {
  return {
    service,
    name,
    type: 'gauge',
    tags: JSON.stringify(tags),
    start: MINUTE,
    count: 2,
    sum: value * 2,
    min: value - 1,
    max: value + 1,
    last: value,
    lastTimestamp: MINUTE + 1_000,
  };
}

const batch = (...aggregates: AggregateStats[]): LiveBatch => ({ createdAt: MINUTE + 29_000, aggregates });
const subscribe = (stream: StreamConnection, message: Record<string, unknown>) =>
  stream.receive(JSON.stringify({ type: 'subscribe', ...message }));

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamHub fan-out', () => {
  it('sends each subscription only its matching points, in one data message per batch', () => {
    const { hub, open } = setup();
    const a = open();
    const b = open();
    subscribe(a.stream, { id: 'pay', service: 'checkout', metric: 'latency_ms', tags: { route: '/pay' } });
    subscribe(b.stream, { id: 'checkout', service: 'checkout' });
    subscribe(b.stream, { id: 'qps', metric: 'qps' });
    expect(a.socket.messages()).toEqual([{ type: 'subscribed', id: 'pay' }]);

    hub.publish(
      batch(
        aggregate('checkout', 'latency_ms', { route: '/pay' }, 10),
        aggregate('checkout', 'latency_ms', { route: '/cart' }, 20),
        aggregate('search', 'qps', {}, 30),
        aggregate('search', 'latency_ms', { route: '/pay' }, 40),
      ),
    );

    expect(a.socket.data()).toEqual([
      {
        type: 'data',
        id: 'pay',
        points: [
          {
            service: 'checkout',
            metric: 'latency_ms',
            type: 'gauge',
            tags: { route: '/pay' },
            t: MINUTE,
            count: 2,
            sum: 20,
            min: 9,
            max: 11,
            last: 10,
          },
        ],
      },
    ]);
    const forB = b.socket.data();
    expect(forB.map((m) => [m.id, m.points.map((p) => p.last)])).toEqual([
      ['checkout', [10, 20]],
      ['qps', [30]],
    ]);
  });

  it('splits a large delivery into messages of at most MAX_POINTS_PER_MESSAGE points', () => {
    const { hub, open, metric } = setup();
    const a = open();
    subscribe(a.stream, { id: 'all' });
    const many = Array.from({ length: MAX_POINTS_PER_MESSAGE + 5 }, (_, i) =>
      aggregate('checkout', 'latency_ms', { host: `h${i}` }, i),
    );
    hub.publish(batch(...many));
    const sizes = a.socket.data().map((m) => m.points.length);
    expect(sizes).toEqual([MAX_POINTS_PER_MESSAGE, 5]);
    return expect(metric('vantage_api_stream_points_sent_total')).resolves.toContain(
      `vantage_api_stream_points_sent_total ${MAX_POINTS_PER_MESSAGE + 5}`,
    );
  });

  it('sends nothing after unsubscribe, and counts subscriptions', async () => {
    const { hub, open, metric } = setup();
    const a = open();
    subscribe(a.stream, { id: 's1', service: 'checkout' });
    expect(await metric('vantage_api_stream_subscriptions')).toContain('vantage_api_stream_subscriptions 1');
    a.stream.receive(JSON.stringify({ type: 'unsubscribe', id: 's1' }));
    expect(hub.listening).toBe(false);
    hub.publish(batch(aggregate('checkout', 'm', {}, 1)));
    expect(a.socket.messages()).toEqual([
      { type: 'subscribed', id: 's1' },
      { type: 'unsubscribed', id: 's1' },
    ]);
    expect(await metric('vantage_api_stream_subscriptions')).toContain('vantage_api_stream_subscriptions 0');
  });

  it('skips an aggregate whose tags are not a JSON object and delivers the rest', () => {
    const { hub, open, skipped } = setup();
    const a = open();
    subscribe(a.stream, { id: 'all' });
    hub.publish(batch({ ...aggregate('x', 'm', {}, 1), tags: 'not json' }, aggregate('y', 'm', {}, 2)));
    expect(skipped).toHaveLength(1);
    expect(a.socket.data().flatMap((m) => m.points.map((p) => p.service))).toEqual(['y']);
  });
});

describe('StreamHub client messages', () => {
  it('answers a bad message with an error and keeps the stream open', () => {
    const { open } = setup();
    const a = open();
    a.stream.receive('{not json');
    a.stream.receive(JSON.stringify({ type: 'subscribe', id: 's1', service: 7 }));
    a.stream.receive(JSON.stringify({ type: 'watch', id: 's1' }));
    a.stream.receive(JSON.stringify({ type: 'subscribe', id: 's1', colour: 'red' }));
    a.stream.receive('', true);
    expect(a.socket.messages()).toEqual([
      { type: 'error', code: 'VTG_STREAM_INVALID_MESSAGE', message: 'The message is not JSON' },
      {
        type: 'error',
        code: 'VTG_STREAM_INVALID_MESSAGE',
        message: 'service must be string',
        field: 'service',
        id: 's1',
      },
      {
        type: 'error',
        code: 'VTG_STREAM_INVALID_MESSAGE',
        message: '"type" must be "subscribe" or "unsubscribe"',
        field: 'type',
        id: 's1',
      },
      {
        type: 'error',
        code: 'VTG_STREAM_INVALID_MESSAGE',
        message: 'colour must NOT have additional properties',
        field: 'colour',
        id: 's1',
      },
      { type: 'error', code: 'VTG_STREAM_INVALID_MESSAGE', message: 'Send JSON as text frames' },
    ]);
    expect(a.socket.closedWith).toBeUndefined();
    expect(a.stream.isOpen).toBe(true);
  });

  it('refuses a duplicate id, a subscription over the limit and an unknown unsubscribe', () => {
    const { open } = setup({ maxSubscriptions: 2 });
    const a = open();
    subscribe(a.stream, { id: 's1' });
    subscribe(a.stream, { id: 's1' });
    subscribe(a.stream, { id: 's2' });
    subscribe(a.stream, { id: 's3' });
    a.stream.receive(JSON.stringify({ type: 'unsubscribe', id: 'nope' }));
    const codes = a.socket.messages().map((m) => (m.type === 'error' ? `${m.code}:${m.id}` : m.type));
    expect(codes).toEqual([
      'subscribed',
      'VTG_STREAM_DUPLICATE_SUBSCRIPTION:s1',
      'subscribed',
      'VTG_STREAM_TOO_MANY_SUBSCRIPTIONS:s3',
      'VTG_STREAM_UNKNOWN_SUBSCRIPTION:nope',
    ]);
    expect(a.stream.subscriptionCount).toBe(2);
  });
});

describe('StreamHub backpressure', () => {
  it('drops a client whose unsent data passes the limit, and the others keep receiving', async () => {
    vi.useFakeTimers();
    const { hub, open, metric } = setup({ maxBufferedBytes: 1_000 });
    const slow = open();
    const fast = open();
    subscribe(slow.stream, { id: 's', service: 'checkout' });
    subscribe(fast.stream, { id: 'f', service: 'checkout' });
    slow.socket.backlogPerSend = 600;

    // 600 unsent, then 1,200: the third message finds more than 1,000 waiting.
    hub.publish(batch(aggregate('checkout', 'm', {}, 1)));
    hub.publish(batch(aggregate('checkout', 'm', {}, 2)));
    expect(slow.socket.closedWith).toBeUndefined();
    hub.publish(batch(aggregate('checkout', 'm', {}, 3)));
    expect(slow.socket.closedWith).toEqual({ code: 4008, reason: 'VTG_STREAM_SLOW_CONSUMER' });
    const sentBeforeDrop = slow.socket.sent.length;

    hub.publish(batch(aggregate('checkout', 'm', {}, 4)));
    expect(slow.socket.sent).toHaveLength(sentBeforeDrop);
    expect(slow.socket.data().map((m) => m.points[0]?.last)).toEqual([1, 2]);
    expect(fast.socket.data().map((m) => m.points[0]?.last)).toEqual([1, 2, 3, 4]);
    expect(await metric('vantage_api_stream_clients_dropped_total')).toContain('reason="slow"} 1');

    // Still open until the socket closes; destroyed if the client never answers the close.
    expect(hub.connectionCount).toBe(2);
    expect(slow.socket.terminated).toBe(false);
    vi.advanceTimersByTime(CLOSE_GRACE_MS);
    expect(slow.socket.terminated).toBe(true);
    slow.stream.closed();
    expect(hub.connectionCount).toBe(1);
    expect(await metric('vantage_api_websocket_connections')).toContain(
      'vantage_api_websocket_connections 1',
    );
  });

  it('keeps a client that reads a delivery larger than the limit before the next one', () => {
    const { hub, open } = setup({ maxBufferedBytes: 1_000 });
    const reader = open();
    subscribe(reader.stream, { id: 'all' });
    reader.socket.backlogPerSend = 50_000;
    hub.publish(batch(aggregate('checkout', 'm', {}, 1), aggregate('search', 'm', {}, 2)));
    reader.socket.bufferedAmount = 0;
    hub.publish(batch(aggregate('checkout', 'm', {}, 3)));
    expect(reader.socket.closedWith).toBeUndefined();
    expect(reader.socket.data().flatMap((m) => m.points.map((p) => p.last))).toEqual([1, 2, 3]);
  });

  it('does not destroy a dropped client that finished the closing handshake in time', () => {
    vi.useFakeTimers();
    const { hub, open } = setup({ maxBufferedBytes: 10 });
    const slow = open();
    subscribe(slow.stream, { id: 's' });
    slow.socket.backlogPerSend = 100;
    hub.publish(batch(aggregate('checkout', 'm', {}, 1)));
    hub.publish(batch(aggregate('checkout', 'm', {}, 2)));
    expect(slow.socket.closedWith?.code).toBe(4008);
    slow.stream.closed();
    vi.advanceTimersByTime(CLOSE_GRACE_MS * 2);
    expect(slow.socket.terminated).toBe(false);
  });
});

describe('StreamHub heartbeats and limits', () => {
  it('pings and sends a heartbeat each interval, and drops a client that never pongs', async () => {
    vi.useFakeTimers();
    const { hub, open, metric } = setup({ heartbeatMs: 1_000 });
    const live = open();
    const dead = open();
    hub.startHeartbeats();

    vi.advanceTimersByTime(1_000);
    expect(live.socket.messages()).toEqual([{ type: 'heartbeat', t: MINUTE + 30_000 }]);
    expect([live.socket.pings, dead.socket.pings]).toEqual([1, 1]);
    live.stream.pong();

    vi.advanceTimersByTime(1_000);
    expect(live.socket.pings).toBe(2);
    expect(live.socket.closedWith).toBeUndefined();
    expect(dead.socket.closedWith).toEqual({ code: 4009, reason: 'VTG_STREAM_UNRESPONSIVE' });
    expect(await metric('vantage_api_stream_clients_dropped_total')).toContain('reason="unresponsive"} 1');
    live.stream.closed();
    dead.stream.closed();
    await hub.close();
    vi.advanceTimersByTime(5_000);
    expect(live.socket.pings).toBe(2);
  });

  it('refuses streams over the cap until one closes', () => {
    const { hub, open } = setup({ maxConnections: 2 });
    const first = open();
    open();
    expect(hub.full).toBe(true);
    expect(hub.attach(new FakeSocket())).toBeUndefined();
    first.stream.closed();
    expect(hub.attach(new FakeSocket())).toBeDefined();
  });

  it('closes every stream with 1001 and resolves once all are closed', async () => {
    const { hub, open } = setup();
    const a = open();
    const b = open();
    let closed = false;
    const done = hub.close().then(() => (closed = true));
    expect(a.socket.closedWith).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(b.socket.closedWith?.code).toBe(1001);
    expect(hub.attach(new FakeSocket())).toBeUndefined();
    a.stream.closed();
    await Promise.resolve();
    expect(closed).toBe(false);
    b.stream.closed();
    await done;
    expect(closed).toBe(true);
  });
});
