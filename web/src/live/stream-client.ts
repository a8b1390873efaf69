import { getApiKey } from '../api/api-key';
import { apiPost } from '../api/client';
import type { StreamPoint, StreamServerMessage } from '../api/types';

export interface Subscription {
  readonly service: string;
  readonly metric: string;
  readonly tags?: Record<string, string>;
}

export type StreamStatus =
  { state: 'connecting' } | { state: 'live' } | { state: 'error'; message: string; code?: string };

interface Subscriber {
  readonly id: string;
  readonly subscription: Subscription;
  readonly onPoints: (points: readonly StreamPoint[]) => void;
  readonly onStatus: (status: StreamStatus) => void;
}

const RETRY_MS = [1000, 2000, 5000, 10_000];

/**
 * One WebSocket to GET /v1/stream for the whole page, shared by every live chart. Subscriptions
 * are sent again after a reconnect. When the server has API keys, a short-lived ticket is fetched
 * with the key (POST /v1/stream/ticket) and put on the socket's URL: browsers cannot set headers
 * on a WebSocket, and the key itself must never travel in a URL.
 */
export class StreamClient {
  private socket: WebSocket | undefined;
  private readonly subscribers = new Map<string, Subscriber>();
  private nextId = 1;
  private attempt = 0;
  private retryTimer: number | undefined;
  private closed = false;
  /** Between deciding to connect and having a socket (a ticket may be on its way). */
  private connecting = false;

  subscribe(
    subscription: Subscription,
    onPoints: (points: readonly StreamPoint[]) => void,
    onStatus: (status: StreamStatus) => void,
  ): () => void {
    const id = `s${this.nextId++}`;
    const subscriber: Subscriber = { id, subscription, onPoints, onStatus };
    this.subscribers.set(id, subscriber);
    this.closed = false;
    if (this.socket?.readyState === WebSocket.OPEN) this.sendSubscribe(subscriber);
    else {
      onStatus({ state: 'connecting' });
      if (!this.socket && !this.connecting) void this.connect();
    }
    return () => {
      this.subscribers.delete(id);
      if (this.socket?.readyState === WebSocket.OPEN) this.send({ type: 'unsubscribe', id });
      if (this.subscribers.size === 0) this.close();
    };
  }

  private close(): void {
    this.closed = true;
    window.clearTimeout(this.retryTimer);
    const s = this.socket;
    this.socket = undefined;
    s?.close(1000);
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      await this.open();
    } finally {
      this.connecting = false;
    }
  }

  private async open(): Promise<void> {
    let url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/v1/stream`;
    if (getApiKey()) {
      try {
        const { ticket } = await apiPost<{ ticket: string }>('/v1/stream/ticket', {});
        url += `?ticket=${encodeURIComponent(ticket)}`;
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
        return;
      }
    }
    if (this.closed) return;
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      for (const s of this.subscribers.values()) this.sendSubscribe(s);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      // A refused upgrade tells the browser nothing more; the server logs and counts why.
      const fallback = opened ? 'the live stream closed' : 'could not open the live stream';
      if (!this.closed) this.fail(event.reason || fallback, event.reason ? undefined : String(event.code));
    };
  }

  /** Tells every subscriber, then tries again after a growing pause. */
  private fail(message: string, code?: string): void {
    for (const s of this.subscribers.values())
      s.onStatus({ state: 'error', message, ...(code ? { code } : {}) });
    if (this.closed || this.subscribers.size === 0) return;
    const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)] as number;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => void this.connect(), delay);
  }

  private receive(raw: unknown): void {
    let message: StreamServerMessage;
    try {
      message = JSON.parse(String(raw)) as StreamServerMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case 'subscribed':
        this.subscribers.get(message.id)?.onStatus({ state: 'live' });
        break;
      case 'data':
        this.subscribers.get(message.id)?.onPoints(message.points);
        break;
      case 'error': {
        const targets = message.id ? [this.subscribers.get(message.id)] : [...this.subscribers.values()];
        for (const s of targets)
          s?.onStatus({ state: 'error', message: message.message, code: message.code });
        break;
      }
      default:
        break; // heartbeats keep proxies from closing the socket; nothing to do
    }
  }

  private sendSubscribe(s: Subscriber): void {
    const { service, metric, tags } = s.subscription;
    this.send({ type: 'subscribe', id: s.id, service, metric, ...(tags ? { tags } : {}) });
  }

  private send(message: object): void {
    this.socket?.send(JSON.stringify(message));
  }
}

/** The page's one stream connection, opened on first use. */
let shared: StreamClient | undefined;
export function streamClient(): StreamClient {
  shared ??= new StreamClient();
  return shared;
}
