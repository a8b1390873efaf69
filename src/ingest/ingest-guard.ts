import { TokenBucketLimiter, VantageError } from '../core/index.js';
import type { ApiKeyVerifier } from '../http/index.js';

export interface IngestGuardOptions {
  readonly apiKeys: ApiKeyVerifier;
  readonly rateLimitPerMinute: number;
  readonly clock: () => number;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * What every way in checks before it reads a body, whatever the protocol (JSON, OTLP over HTTP or
 * gRPC, remote_write): the API key (Bearer, X-API-Key; failed attempts throttled per client) and the
 * token-bucket rate limit per client IP and per key. One instance per collector, so that a client
 * is limited once across protocols. Throws the coded VantageError (401, 403, 429 with retryAfter).
 */
export class IngestGuard {
  private readonly buckets: TokenBucketLimiter;

  constructor(private readonly options: IngestGuardOptions) {
    this.buckets = new TokenBucketLimiter(options.rateLimitPerMinute, 60_000, options.clock);
  }

  /** The key's id when API keys are on, else undefined. */
  admit(headers: Headers, clientIp: string): string | undefined {
    const keyId = this.options.apiKeys.enabled
      ? this.options.apiKeys.authenticate(headers, clientIp)
      : undefined;
    this.take(`ip:${clientIp}`);
    if (keyId !== undefined) this.take(`key:${keyId}`);
    return keyId;
  }

  private take(key: string): void {
    const result = this.buckets.take(key);
    if (!result.allowed) {
      const retryAfter = Math.ceil(result.retryAfterMs / 1000);
      throw new VantageError('VTG_RATE_LIMITED', {
        params: { limit: this.options.rateLimitPerMinute, retryAfter },
        retryAfter,
      });
    }
  }
}
