import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A real HTTP server on a loopback port that keeps every request: the receiving end of the
 * webhook, Slack and Alertmanager channels in tests. It answers `status()` (200 unless set), and
 * holds each answer while `hold` is set, so that a test can keep a delivery in flight.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  status: () => number = () => 200;
  private held: (() => void)[] = [];
  hold = false;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = receiver;
        r.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        for (const w of r.waiters.filter((x) => r.requests.length >= x.count)) {
          r.waiters.splice(r.waiters.indexOf(w), 1);
          w.resolve();
        }
        const answer = (): void => {
          res.writeHead(r.status(), { 'content-type': 'application/json' }).end('{}');
        };
        if (r.hold) r.held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}`);
    return receiver;
  }

  /** Resolves once `count` requests in all have arrived. */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Answers every request held so far and stops holding. */
  release(): void {
    this.hold = false;
    for (const answer of this.held.splice(0)) answer();
  }

  json<T>(index: number): T {
    return JSON.parse(this.requests[index]?.body ?? 'null') as T;
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
