import { STREAM_CLOSE_CODES, VantageError } from '../../core/index.js';
import type { ErrorCode, StreamSubscribe } from '../../core/index.js';
import { parseClientMessage } from './client-messages.js';
import type { StreamMetrics } from './stream-metrics.js';
import type { SubscriptionFilter, SubscriptionIndex } from './subscription-index.js';

/** What a stream needs of its WebSocket: `ws`'s WebSocket has it, and so do the unit tests' fakes. */
export interface StreamSocket {
  /** Bytes queued but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code: number, reason: string): void;
  /** Destroys the connection at once, without a closing handshake. */
  terminate(): void;
}

export interface Subscription extends SubscriptionFilter {
  readonly id: string;
  /** The id as JSON text, made once, for every data message. */
  readonly idJson: string;
  readonly connection: StreamConnection;
}

/** What the hub shares with each of its streams. */
export interface StreamContext {
  readonly index: SubscriptionIndex<Subscription>;
  readonly metrics: StreamMetrics;
  readonly maxSubscriptions: number;
  readonly maxBufferedBytes: number;
  readonly heartbeatMs: number;
  readonly closed: (connection: StreamConnection) => void;
}

/** A data message holds at most this many points; more are split over several. */
export const MAX_POINTS_PER_MESSAGE = 1_000;

/**
 * After the server sends its close frame, how long the client has to answer before the connection
 * is destroyed. A slow client has to read all that was queued before the frame first.
 */
export const CLOSE_GRACE_MS = 5_000;

type DropReason = 'slow' | 'unresponsive';

/**
 * One client's stream: its subscriptions, what it is sent, and its liveness. A client that still
 * has more than `maxBufferedBytes` unsent when the next message is due is dropped (close 4008): a
 * reader that cannot keep up costs the server a bounded amount of memory, and the others do not
 * wait for it.
 */
export class StreamConnection {
  private readonly subscriptions = new Map<string, Subscription>();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private answeredPing = true;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: StreamSocket,
    private readonly context: StreamContext,
  ) {}

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** A frame from the client. */
  receive(text: string, isBinary = false): void {
    if (this.state !== 'open') return;
    if (isBinary) {
      this.sendError(
        new VantageError('VTG_STREAM_INVALID_MESSAGE', { params: { reason: 'Send JSON as text frames' } }),
      );
      return;
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.sendError(parsed.error, parsed.id);
      return;
    }
    const message = parsed.message;
    if (message.type === 'subscribe') this.subscribe(message);
    else this.unsubscribe(message.id);
  }

  /** The client answered a ping. */
  pong(): void {
    this.answeredPing = true;
  }

  /** Every heartbeat interval: drops a client that left the last ping unanswered, pings the rest. */
  heartbeat(now: number): void {
    if (this.state !== 'open') return;
    if (!this.answeredPing) {
      this.drop('unresponsive');
      return;
    }
    this.answeredPing = false;
    this.socket.ping();
    this.send('heartbeat', `{"type":"heartbeat","t":${now}}`);
  }

  /**
   * The points (JSON texts) one bus message holds for some of this stream's subscriptions, sent
   * together: the backlog is checked once before them, so a large message does not count against
   * the client until it had the time to read it.
   */
  deliver(deliveries: readonly (readonly [Subscription, readonly string[]])[]): void {
    if (!this.hasRoom()) return;
    for (const [subscription, points] of deliveries) {
      for (let i = 0; i < points.length; i += MAX_POINTS_PER_MESSAGE) {
        const chunk =
          points.length <= MAX_POINTS_PER_MESSAGE ? points : points.slice(i, i + MAX_POINTS_PER_MESSAGE);
        this.write('data', `{"type":"data","id":${subscription.idJson},"points":[${chunk.join(',')}]}`);
        this.context.metrics.pointsSent.inc(chunk.length);
      }
    }
  }

  /** Starts the closing handshake; the connection is destroyed if the client does not finish it. */
  shutdown(code: number, reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.forgetSubscriptions();
    this.socket.close(code, reason);
    this.killTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
    this.killTimer.unref();
  }

  /** The socket closed, whoever closed it. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.killTimer);
    this.forgetSubscriptions();
    this.context.closed(this);
  }

  private subscribe(message: StreamSubscribe): void {
    if (this.subscriptions.has(message.id)) {
      this.sendError(
        new VantageError('VTG_STREAM_DUPLICATE_SUBSCRIPTION', { params: { id: message.id }, field: 'id' }),
        message.id,
      );
      return;
    }
    if (this.subscriptions.size >= this.context.maxSubscriptions) {
      this.sendError(
        new VantageError('VTG_STREAM_TOO_MANY_SUBSCRIPTIONS', {
          params: { limit: this.context.maxSubscriptions },
        }),
        message.id,
      );
      return;
    }
    const subscription: Subscription = {
      id: message.id,
      idJson: JSON.stringify(message.id),
      connection: this,
      service: message.service,
      metric: message.metric,
      tags: Object.entries(message.tags ?? {}),
    };
    this.subscriptions.set(message.id, subscription);
    this.context.index.add(subscription);
    this.context.metrics.subscriptions.inc();
    this.send('subscribed', JSON.stringify({ type: 'subscribed', id: message.id }));
  }

  private unsubscribe(id: string): void {
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined) {
      this.sendError(
        new VantageError('VTG_STREAM_UNKNOWN_SUBSCRIPTION', { params: { id }, field: 'id' }),
        id,
      );
      return;
    }
    this.subscriptions.delete(id);
    this.context.index.remove(subscription);
    this.context.metrics.subscriptions.dec();
    this.send('unsubscribed', JSON.stringify({ type: 'unsubscribed', id }));
  }

  private sendError(error: VantageError, id?: string): void {
    this.send(
      'error',
      JSON.stringify({
        type: 'error',
        code: error.code,
        message: error.message,
        ...(error.field !== undefined ? { field: error.field } : {}),
        ...(id !== undefined ? { id } : {}),
      }),
    );
  }

  /** False when the stream is closing. */
  private send(type: string, text: string): boolean {
    if (!this.hasRoom()) return false;
    this.write(type, text);
    return true;
  }

  /**
   * Whether the stream may be sent more: open, and what was sent before has mostly gone out. A
   * client that let more than `maxBufferedBytes` pile up is dropped here, so it holds at most that
   * plus one bus message's worth of the server's memory.
   */
  private hasRoom(): boolean {
    if (this.state !== 'open') return false;
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) {
      this.drop('slow');
      return false;
    }
    return true;
  }

  private write(type: string, text: string): void {
    this.socket.send(text);
    this.context.metrics.messagesSent.inc({ type });
  }

  private drop(reason: DropReason): void {
    const [code, errorCode]: [number, ErrorCode] =
      reason === 'slow'
        ? [STREAM_CLOSE_CODES.slowConsumer, 'VTG_STREAM_SLOW_CONSUMER']
        : [STREAM_CLOSE_CODES.unresponsive, 'VTG_STREAM_UNRESPONSIVE'];
    this.context.metrics.clientsDropped.inc({ reason });
    this.shutdown(code, errorCode);
  }

  private forgetSubscriptions(): void {
    for (const subscription of this.subscriptions.values()) this.context.index.remove(subscription);
    this.context.metrics.subscriptions.dec(this.subscriptions.size);
    this.subscriptions.clear();
  }
}
