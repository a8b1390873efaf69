import WebSocket from 'ws';
import type { StreamPoint, StreamServerMessage } from '../../src/core/index.js';

/** An HTTP answer instead of the upgrade: the stream was refused before it opened. */
export interface StreamRefusal {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { error?: { code?: string; field?: string; message?: string } };
}

export interface StreamConnectOptions {
  readonly origin?: string;
  readonly headers?: Record<string, string>;
}

/**
 * A real `ws` client of `GET /v1/stream` that records every message, for tests and benchmarks.
 */
export class StreamTestClient {
  readonly messages: StreamServerMessage[] = [];
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as StreamServerMessage);
      for (const wake of [...this.waiters]) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens a stream; rejects with a StreamRefusal when the server answers with HTTP instead. */
  static open(url: string, options: StreamConnectOptions = {}): Promise<StreamTestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        ...(options.origin !== undefined ? { origin: options.origin } : {}),
        headers: options.headers ?? {},
      });
      socket.once('open', () => resolve(new StreamTestClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          socket.terminate();
          const refusal: StreamRefusal = {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === '' ? {} : (JSON.parse(text) as StreamRefusal['body']),
          };
          reject(Object.assign(new Error(`stream refused: ${res.statusCode} ${text}`), { refusal }));
        });
      });
      socket.once('error', reject);
    });
  }

  /** The refusal the server answers to this stream request (fails if it opens instead). */
  static async refusal(url: string, options: StreamConnectOptions = {}): Promise<StreamRefusal> {
    try {
      const client = await StreamTestClient.open(url, options);
      client.socket.terminate();
    } catch (err) {
      const refusal = (err as { refusal?: StreamRefusal }).refusal;
      if (refusal) return refusal;
      throw err;
    }
    throw new Error(`the stream ${url} opened; a refusal was expected`);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Subscribes and waits for the server's `subscribed`. */
  async subscribe(
    id: string,
    filter: { service?: string; metric?: string; tags?: Record<string, string> } = {},
  ) {
    this.send({ type: 'subscribe', id, ...filter });
    await this.waitFor((m) => m.type === 'subscribed' && m.id === id, `subscribed ${id}`);
  }

  /** The first message (already received or to come) that `predicate` accepts. */
  waitFor(
    predicate: (m: StreamServerMessage) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<StreamServerMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.messages.find(predicate);
        if (found === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(
          new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages).slice(0, 500)}`),
        );
      }, timeoutMs);
      if (!check()) this.waiters.add(wake);
    });
  }

  /** Every point received so far for subscription `id`. */
  points(id: string): StreamPoint[] {
    return this.messages.flatMap((m) => (m.type === 'data' && m.id === id ? m.points : []));
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    else if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
    await this.closed;
  }
}

/** `http://host:port` of an API to the URL of its stream. */
export function streamUrl(api: string, ticket?: string): string {
  const url = `${api.replace(/^http/, 'ws')}/v1/stream`;
  return ticket === undefined ? url : `${url}?ticket=${encodeURIComponent(ticket)}`;
}
