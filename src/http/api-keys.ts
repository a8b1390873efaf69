import { createHash, timingSafeEqual } from 'node:crypto';
import { VantageError } from '../core/index.js';

/**
 * Checks API keys against SHA-256 hashes of the configured keys; the keys themselves are not kept.
 * Every configured hash is compared, in constant time, whichever matches.
 */
export class ApiKeyVerifier {
  private readonly hashes: Buffer[];

  constructor(keys: readonly string[]) {
    this.hashes = keys.map(sha256);
  }

  get enabled(): boolean {
    return this.hashes.length > 0;
  }

  /**
   * The key's id (a short hash prefix, safe to log and to key rate limits by), or a 401.
   * Reads `Authorization: Bearer <key>` or `X-API-Key`.
   */
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): string {
    const presented = presentedKey(headers);
    if (presented === undefined) throw new VantageError('VTG_AUTH_MISSING_KEY', { field: 'authorization' });
    const hash = sha256(presented);
    let match = false;
    for (const known of this.hashes) match = timingSafeEqual(hash, known) || match;
    if (!match) throw new VantageError('VTG_AUTH_INVALID_KEY', { field: 'authorization' });
    return hash.toString('hex').slice(0, 12);
  }
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
