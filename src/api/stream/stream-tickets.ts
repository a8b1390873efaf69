import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { VantageError } from '../../core/index.js';

/** How long a ticket opens a stream. */
export const TICKET_TTL_MS = 30_000;

const VERSION = 'v1';

/**
 * Short-lived, single-use tickets that let a browser open `/v1/stream` when API keys are
 * configured: browsers cannot set headers on a WebSocket, and a long-lived key must not travel in
 * a URL (proxies and logs keep URLs). `POST /v1/stream/ticket`, authenticated with a key like any
 * route, issues one; the client passes it as `?ticket=`.
 *
 * A ticket is signed (HMAC-SHA256) rather than remembered, with a secret derived from the
 * configured keys: every API process with the same keys accepts it, so a load balancer may send
 * the ticket request and the stream to different instances. Each process remembers the tickets
 * it accepted until they expire, so a ticket opens one stream per process.
 */
export class StreamTickets {
  /** Accepted tickets' nonces with their expiry, oldest first (tickets share one lifetime). */
  private readonly used = new Map<string, number>();

  constructor(
    private readonly secret: Buffer,
    private readonly clock: () => number = Date.now,
    private readonly ttlMs = TICKET_TTL_MS,
  ) {}

  issue(): { ticket: string; expiresAt: number } {
    const expiresAt = this.clock() + this.ttlMs;
    const body = `${VERSION}.${expiresAt.toString(36)}.${randomBytes(16).toString('base64url')}`;
    return { ticket: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** Accepts a ticket once, or throws the VantageError that says why not. */
  redeem(ticket: string): void {
    const now = this.clock();
    this.forgetExpired(now);
    const parts = ticket.split('.');
    const [version, expiry, nonce, signature] = parts;
    if (parts.length !== 4 || version !== VERSION || !expiry || !nonce || !signature || !this.verify(parts)) {
      throw new VantageError('VTG_STREAM_TICKET_INVALID', { field: 'ticket' });
    }
    const expiresAt = parseInt(expiry, 36);
    if (!(expiresAt > now)) throw new VantageError('VTG_STREAM_TICKET_EXPIRED', { field: 'ticket' });
    if (this.used.has(nonce)) throw new VantageError('VTG_STREAM_TICKET_USED', { field: 'ticket' });
    this.used.set(nonce, expiresAt);
  }

  private verify([version, expiry, nonce, signature]: string[]): boolean {
    const expected = Buffer.from(this.sign(`${version}.${expiry}.${nonce}`));
    const presented = Buffer.from(signature as string);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }

  private forgetExpired(now: number): void {
    for (const [nonce, expiresAt] of this.used) {
      if (expiresAt > now) break;
      this.used.delete(nonce);
    }
  }
}

/**
 * The signing secret of the tickets: derived from the configured API keys, so that every API
 * process configured alike agrees on it without another setting, and a key rotation voids the
 * tickets signed before. Without keys (no authentication) a random one does.
 */
export function ticketSecret(apiKeys: readonly string[]): Buffer {
  if (apiKeys.length === 0) return randomBytes(32);
  const material = [...apiKeys].sort().join('\n');
  return createHmac('sha256', 'vantage stream tickets v1').update(material).digest();
}
