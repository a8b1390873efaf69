import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The agent's /metrics and /live on plain node:http. The other roles use Fastify (src/http); the
 * agent runs on every host and serves two GET routes, and Fastify would add about a quarter to
 * its resident memory.
 */
export class MetricsEndpoint {
  private constructor(
    private readonly server: Server,
    /** `http://host:port`. */
    readonly address: string,
  ) {}

  static async listen(registry: Registry, port: number, host: string): Promise<MetricsEndpoint> {
    // A scrape is a GET without a body: a client gets 10 s to send it, and Prometheus's own
    // keep-alive connection stays for 65 s between scrapes (its interval is 15 s to 1 min).
    const server = createServer(
      { headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 65_000 },
      (req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (req.method === 'GET' && path === '/metrics') {
          registry.metrics().then(
            (text) => {
              res.writeHead(200, { 'content-type': registry.contentType });
              res.end(text);
            },
            () => {
              res.writeHead(500, { 'content-type': 'text/plain' });
              res.end('metrics unavailable\n');
            },
          );
          return;
        }
        if (req.method === 'GET' && path === '/live') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"status":"ok"}');
          return;
        }
        // A scrape endpoint, not the API: a plain answer pointing at what is served.
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: GET /metrics or /live\n');
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = server.address() as AddressInfo;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return new MetricsEndpoint(server, `http://${shownHost}:${bound}`);
  }

  /**
   * Closes every connection at once, those in the middle of a request included: a scrape cut
   * short costs nothing, and a client that never finishes its request must not hold the agent's
   * exit.
   */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
