import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { VantageError } from '../core/index.js';
import type { FailedAuthThrottle } from './failed-auth-throttle.js';
import type { AuthMetrics } from './auth-metrics.js';

export interface ApiKeyVerifierOptions {
  /** Failed attempts per client, asked before any comparison; shared by a process's servers. */
  readonly throttle?: FailedAuthThrottle;
  readonly metrics?: AuthMetrics;
}

/**
 * Checks API keys against SHA-256 hashes of the configured keys; the keys themselves are not kept.
 * Every configured hash is compared, in constant time, whichever matches.
 */
export class ApiKeyVerifier {
  private readonly hashes: Buffer[];

  constructor(
    keys: readonly string[],
    private readonly options: ApiKeyVerifierOptions = {},
  ) {
    this.hashes = keys.map(sha256);
  }

  get enabled(): boolean {
    return this.hashes.length > 0;
  }

  /**
   * The key's id (a short hash prefix, safe to log and to key rate limits by), or a 401, or a 429
   * when `client` (its IP address) has failed too often of late.
   * Reads `Authorization: Bearer <key>` or `X-API-Key`.
   */
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>, client: string): string {
    try {
      return this.check(headers, client);
    } catch (err) {
      if (err instanceof VantageError) this.options.metrics?.refusals.inc({ code: err.code });
      throw err;
    }
  }

  private check(headers: Readonly<Record<string, string | string[] | undefined>>, client: string): string {
    const { throttle } = this.options;
    throttle?.check(client);
    const presented = presentedKey(headers);
    if (presented === undefined) throw new VantageError('VTG_AUTH_MISSING_KEY', { field: 'authorization' });
    const hash = sha256(presented);
    let match = false;
    for (const known of this.hashes) match = timingSafeEqual(hash, known) || match;
    if (!match) {
      throttle?.recordFailure(client);
      throw new VantageError('VTG_AUTH_INVALID_KEY', { field: 'authorization' });
    }
    return hash.toString('hex').slice(0, 12);
  }
}

/** A new API key or scrape token: 32 random bytes, base64url (43 characters, no padding). */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

function presentedKey(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  const header = headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
