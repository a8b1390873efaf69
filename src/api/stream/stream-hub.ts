import type { AggregateStats, StreamPoint } from '../../core/index.js';
import { STREAM_CLOSE_CODES } from '../../core/index.js';
import type { LiveBatch, LiveFeedSink } from './live-feed.js';
import { StreamConnection } from './stream-connection.js';
import type { StreamContext, StreamSocket, Subscription } from './stream-connection.js';
import type { StreamMetrics } from './stream-metrics.js';
import { SubscriptionIndex } from './subscription-index.js';

export interface StreamLimits {
  /** Most open streams; `attach` refuses beyond it. */
  readonly maxConnections: number;
  readonly maxSubscriptions: number;
  /** Unsent bytes a stream may hold before its client is dropped as too slow. */
  readonly maxBufferedBytes: number;
  readonly heartbeatMs: number;
}

export interface StreamHubOptions extends StreamLimits {
  readonly metrics: StreamMetrics;
  readonly clock?: () => number;
  /** A bus message the feed could not read or decode, or an aggregate with unreadable tags. */
  readonly onSkipped?: (err: unknown) => void;
}

/**
 * Every open stream of one API process, and the fan-out from the live feed to them: each batch is
 * matched against the subscription index once, each matching point is turned into JSON once, and
 * each subscription gets one data message per batch with all its points, each stream all of its
 * messages at once.
 */
export class StreamHub implements LiveFeedSink {
  private readonly streams = new Set<StreamConnection>();
  private readonly index = new SubscriptionIndex<Subscription>();
  private readonly context: StreamContext;
  private readonly clock: () => number;
  private heartbeats: NodeJS.Timeout | undefined;
  private allClosed: (() => void) | undefined;
  private closing = false;

  constructor(private readonly options: StreamHubOptions) {
    this.clock = options.clock ?? Date.now;
    this.context = {
      index: this.index,
      metrics: options.metrics,
      maxSubscriptions: options.maxSubscriptions,
      maxBufferedBytes: options.maxBufferedBytes,
      heartbeatMs: options.heartbeatMs,
      closed: (connection) => this.forget(connection),
    };
  }

  get connectionCount(): number {
    return this.streams.size;
  }

  get full(): boolean {
    return this.streams.size >= this.options.maxConnections;
  }

  get listening(): boolean {
    return this.index.size > 0;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /**
   * A new stream on `socket`, or undefined when the hub is full or closing (the caller closes the
   * socket).
   */
  attach(socket: StreamSocket): StreamConnection | undefined {
    if (this.full || this.closing) return undefined;
    const connection = new StreamConnection(socket, this.context);
    this.streams.add(connection);
    this.options.metrics.connections.inc();
    return connection;
  }

  publish(batch: LiveBatch): void {
    if (!this.listening) return;
    this.options.metrics.feedDelay.observe(Math.max(0, this.clock() - batch.createdAt) / 1000);
    const started = performance.now();
    const outgoing = new Map<Subscription, string[]>();
    for (const aggregate of batch.aggregates) {
      let tags: Readonly<Record<string, string>> | undefined;
      let json: string | undefined;
      try {
        this.index.forEachMatch(
          aggregate.service,
          aggregate.name,
          () => (tags ??= parseTags(aggregate.tags)),
          (subscription) => {
            json ??= pointJson(aggregate, (tags ??= parseTags(aggregate.tags)));
            const points = outgoing.get(subscription);
            if (points === undefined) outgoing.set(subscription, [json]);
            else points.push(json);
          },
        );
      } catch (err) {
        this.skipped(err);
      }
    }
    const byStream = new Map<StreamConnection, [Subscription, string[]][]>();
    for (const delivery of outgoing) {
      const stream = delivery[0].connection;
      const list = byStream.get(stream);
      if (list === undefined) byStream.set(stream, [delivery]);
      else list.push(delivery);
    }
    for (const [stream, deliveries] of byStream) stream.deliver(deliveries);
    this.options.metrics.fanOutDuration.observe((performance.now() - started) / 1000);
  }

  skipped(err: unknown): void {
    this.options.metrics.feedSkipped.inc();
    this.options.onSkipped?.(err);
  }

  /** Heartbeats (and pings) every `heartbeatMs`, until `close()`. */
  startHeartbeats(): void {
    if (this.heartbeats) return;
    this.heartbeats = setInterval(() => {
      const now = this.clock();
      for (const connection of this.streams) connection.heartbeat(now);
    }, this.options.heartbeatMs);
    this.heartbeats.unref();
  }

  /** Closes every stream (1001, going away); resolves when all are closed. */
  close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeats);
    this.heartbeats = undefined;
    if (this.streams.size === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => (this.allClosed = resolve));
    for (const connection of this.streams)
      connection.shutdown(STREAM_CLOSE_CODES.goingAway, 'server shutting down');
    return done;
  }

  private forget(connection: StreamConnection): void {
    if (!this.streams.delete(connection)) return;
    this.options.metrics.connections.dec();
    if (this.streams.size === 0) this.allClosed?.();
  }
}

/** Tags arrive as canonical JSON text; a bus message from elsewhere could hold anything. */
function parseTags(text: string): Readonly<Record<string, string>> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`tags of an aggregate are not a JSON object: ${text.slice(0, 100)}`);
  return value as Record<string, string>;
}

function pointJson(a: AggregateStats, tags: Readonly<Record<string, string>>): string {
  const point: StreamPoint = {
    service: a.service,
    metric: a.name,
    type: a.type,
    tags,
    t: a.start,
    count: a.count,
    sum: a.sum,
    min: a.min,
    max: a.max,
    last: a.last,
  };
  return JSON.stringify(point);
}
