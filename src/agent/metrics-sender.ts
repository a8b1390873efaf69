import type { IncomingMessage } from 'node:http';
import { keepAliveTransport } from './keep-alive-transport.js';
import type { KeepAliveTransport } from './keep-alive-transport.js';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { failed, ok, retryable } from '../core/index.js';
import type { Outcome, Sample } from '../core/index.js';

const gzipAsync = promisify(gzip);

/** Statuses worth another try: the collector is rate limiting, saturated, or behind a proxy that is. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** A Retry-After beyond this is read as this: the agent keeps collecting and should keep trying. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

export interface MetricsSenderOptions {
  /** The collector's base URL, e.g. http://localhost:8000. */
  readonly endpoint: string;
  readonly apiKey?: string;
  /** Longest one request may take before it counts as a network failure. */
  readonly requestTimeoutMs?: number;
}

/** What the collector answered to a batch it took (202). */
export interface SendResult {
  readonly accepted: number;
  readonly rejected: readonly CollectorRejection[];
}

export interface CollectorRejection {
  readonly index: number;
  readonly code: string;
  readonly field: string;
  readonly message: string;
}

/** A send the collector answered with an error status. */
export class CollectorRefusedError extends Error {
  constructor(
    readonly status: number,
    /** The collector's error code (VTG_...), or undefined when the body had none (a proxy's page). */
    readonly code: string | undefined,
    detail: string,
    readonly field?: string,
  ) {
    super(`collector answered ${status}${code ? ` ${code}` : ''}: ${detail}`);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
  }
}

/**
 * Posts one batch to `POST {endpoint}/v1/metrics`, gzipped, and says what to do next as an Outcome:
 * ok, retryable (429/502/503/504 or no answer, with the Retry-After the collector asked for) or
 * failed (any other status: sending the same batch again would get the same answer).
 * It never retries itself; retryWithBackoff does.
 */
export class MetricsSender {
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly requestTimeoutMs: number;
  // node:http rather than fetch: the global fetch loads its own HTTP stack, which costs the agent
  // about 20 MB of resident memory for one small request every interval.
  private transport: Promise<KeepAliveTransport> | undefined;

  constructor(options: MetricsSenderOptions) {
    const base = options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`;
    this.url = new URL('v1/metrics', base);
    this.headers = {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  get target(): string {
    return this.url.href;
  }

  /** Gzips a batch once, so that retries send the same bytes without compressing again. */
  async encode(samples: readonly Sample[]): Promise<Buffer> {
    return gzipAsync(JSON.stringify({ metrics: samples }));
  }

  async post(body: Buffer): Promise<Outcome<SendResult>> {
    const { request, agent } = await this.connect();
    return new Promise((resolve) => {
      const unreachable = (err: Error): void => {
        clearTimeout(timer);
        resolve(retryable(new Error(`${this.url.href} unreachable: ${err.message}`, { cause: err })));
      };
      const req = request(
        this.url,
        { method: 'POST', agent, headers: { ...this.headers, 'content-length': String(body.length) } },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', unreachable);
          res.on('end', () => {
            clearTimeout(timer);
            resolve(classify(res, Buffer.concat(chunks).toString('utf8')));
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${this.requestTimeoutMs} ms`)),
        this.requestTimeoutMs,
      );
      req.on('error', unreachable);
      req.end(body);
    });
  }

  /** Closes kept-alive connections. */
  async close(): Promise<void> {
    (await this.transport)?.agent.destroy();
  }

  private connect(): Promise<KeepAliveTransport> {
    this.transport ??= keepAliveTransport(this.url);
    return this.transport;
  }
}

function classify(res: IncomingMessage, text: string): Outcome<SendResult> {
  const status = res.statusCode ?? 0;
  if (status === 202) return ok(parseAccepted(text));
  const error = refusal(status, text);
  if (RETRYABLE_STATUSES.has(status)) {
    const header = res.headers['retry-after'];
    return retryable(error, parseRetryAfter(typeof header === 'string' ? header : null));
  }
  return failed(error);
}

function parseAccepted(text: string): SendResult {
  try {
    const body = JSON.parse(text) as Partial<SendResult>;
    return {
      accepted: typeof body.accepted === 'number' ? body.accepted : 0,
      rejected: Array.isArray(body.rejected) ? body.rejected : [],
    };
  } catch {
    // A 202 whose body is not ours (a proxy?): the batch was taken, the counts are unknown.
    return { accepted: 0, rejected: [] };
  }
}

function refusal(status: number, text: string): CollectorRefusedError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    const e = body.error;
    if (e && typeof e.code === 'string')
      return new CollectorRefusedError(
        status,
        e.code,
        typeof e.message === 'string' ? e.message : '',
        typeof e.field === 'string' ? e.field : undefined,
      );
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return new CollectorRefusedError(status, undefined, text.slice(0, 200) || '(empty body)');
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
