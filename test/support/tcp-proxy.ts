import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of a real server, that a test can cut and restore: the way to
 * make ClickHouse unreachable for one process (a worker) while the shared server keeps running
 * for everyone else. While cut, open connections are reset and new ones are closed at once.
 * `latencyMs` holds each chunk the client sends for that long (slower writes, e.g. a replay that
 * lasts long enough to be interrupted). `loseAnswersTo` lets chosen requests through and resets
 * the connection when the server answers: the request took effect, the client never hears so
 * (an insert that reached ClickHouse just as the network failed).
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  latencyMs = 0;
  /** Given each request line (URL-decoded), true to pass the request on and lose its answer. */
  loseAnswersTo: ((requestLine: string) => boolean) | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy?.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const proxy = new TcpProxy(server, typeof address === 'object' && address ? address.port : 0);
    holder.proxy = proxy;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.cutOff;
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.cutOff) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host, port });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const forget = (): void => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    let answerLost = false;
    client.on('data', (chunk: Buffer) => {
      const line = REQUEST_LINE.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 64 * 1024)));
      if (line?.[1] !== undefined && this.loseAnswersTo?.(decodeRequestLine(line[1])) === true) {
        answerLost = true;
      }
      if (this.latencyMs <= 0) {
        upstream.write(chunk);
        return;
      }
      client.pause();
      setTimeout(() => {
        if (!upstream.destroyed) upstream.write(chunk);
        client.resume();
      }, this.latencyMs);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (answerLost) {
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', () => client.end());
  }
}

/** The start of an HTTP/1.1 request: its request line. */
const REQUEST_LINE = /^([A-Z]+ \S+) HTTP\/1\.[01]\r\n/;

function decodeRequestLine(line: string): string {
  try {
    return decodeURIComponent(line.replace(/\+/g, ' '));
  } catch {
    return line;
  }
}
