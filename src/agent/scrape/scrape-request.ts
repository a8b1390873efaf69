import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { ExpositionFormat } from './exposition-parser.js';

/**
 * What Prometheus 2.x sends: OpenMetrics first (it carries `_created` and exemplars), the 0.0.4
 * text format as the fallback every client library serves.
 */
export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Why a scrape failed, as the `reason` of vantage_agent_scrapes_total and in the log. */
export type ScrapeFailure =
  'unreachable' | 'timeout' | 'http_status' | 'body_too_large' | 'parse_error' | 'sample_limit';

export class ScrapeError extends Error {
  constructor(
    readonly reason: ScrapeFailure,
    message: string,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
  }
}

export interface ScrapeResponse {
  readonly format: ExpositionFormat;
  readonly text: string;
}

export interface ScrapeRequestOptions {
  readonly timeoutMs: number;
  /** Largest body, after gunzip. */
  readonly maxBytes: number;
}

/** The format a Content-Type announces; anything but OpenMetrics is read as 0.0.4, as Prometheus does. */
export function formatOf(contentType: string | undefined): ExpositionFormat {
  return contentType?.trim().toLowerCase().startsWith('application/openmetrics-text')
    ? 'openmetrics'
    : 'text';
}

/**
 * GETs one target's exposition, gzip accepted, within a timeout and a body limit counted after
 * decompression (a small gzip body can unpack to gigabytes). node:http rather than fetch for the
 * same reason as MetricsSender: fetch's own HTTP stack costs the agent ~20 MB of memory.
 * One keep-alive connection per target, as Prometheus holds.
 */
export class ScrapeRequest {
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private transport: Promise<{ request: typeof httpRequest; agent: HttpAgent }> | undefined;

  constructor(
    url: string,
    private readonly options: ScrapeRequestOptions,
  ) {
    this.url = new URL(url);
    this.headers = {
      accept: SCRAPE_ACCEPT,
      'accept-encoding': 'gzip',
      'user-agent': 'vantage-agent',
      // Lets an exporter bound its own work to what the scraper will wait for.
      'x-prometheus-scrape-timeout-seconds': String(options.timeoutMs / 1000),
    };
  }

  async get(): Promise<ScrapeResponse> {
    const { request, agent } = await this.connect();
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: ScrapeError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const req = request(this.url, { method: 'GET', agent, headers: this.headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new ScrapeError('http_status', `answered ${res.statusCode ?? 'no status'}`));
          return;
        }
        this.readBody(res, fail, (text) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ format: formatOf(res.headers['content-type']), text });
        });
      });
      const timer = setTimeout(
        () => fail(new ScrapeError('timeout', `no full answer within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      req.on('error', (err) => fail(new ScrapeError('unreachable', err.message)));
      req.end();
    });
  }

  async close(): Promise<void> {
    (await this.transport)?.agent.destroy();
  }

  private connect(): Promise<{ request: typeof httpRequest; agent: HttpAgent }> {
    // node:https (and TLS with it) is loaded only for an https:// target.
    this.transport ??=
      this.url.protocol === 'https:'
        ? import('node:https').then((https) => ({
            request: https.request as typeof httpRequest,
            agent: new https.Agent({ keepAlive: true, maxSockets: 1 }),
          }))
        : Promise.resolve({ request: httpRequest, agent: new HttpAgent({ keepAlive: true, maxSockets: 1 }) });
    return this.transport;
  }

  private readBody(
    res: IncomingMessage,
    fail: (error: ScrapeError) => void,
    done: (text: string) => void,
  ): void {
    const gzipped = res.headers['content-encoding']?.toLowerCase() === 'gzip';
    const stream = gzipped ? res.pipe(createGunzip()) : res;
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > this.options.maxBytes) {
        fail(new ScrapeError('body_too_large', `body larger than ${this.options.maxBytes} bytes`));
        stream.destroy();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', (err) => fail(new ScrapeError('unreachable', `reading the body: ${err.message}`)));
    stream.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  }
}
