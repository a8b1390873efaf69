import { describe, expect, it } from 'vitest';
import { VantageError } from '../../core/index.js';
import { StreamTickets, TICKET_TTL_MS, ticketSecret } from './stream-tickets.js';

function refusal(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof VantageError ? err.code : String(err);
  }
}

describe('StreamTickets', () => {
  it('accepts a ticket once, within its lifetime', () => {
    let now = 1_000_000;
    const tickets = new StreamTickets(ticketSecret(['k1']), () => now);
    const { ticket, expiresAt } = tickets.issue();
    expect(expiresAt).toBe(1_000_000 + TICKET_TTL_MS);
    expect(ticket).toMatch(/^v1\.[0-9a-z]+\.[\w-]+\.[\w-]+$/);
    now += TICKET_TTL_MS - 1;
    expect(refusal(() => tickets.redeem(ticket))).toBeUndefined();
    expect(refusal(() => tickets.redeem(ticket))).toBe('VTG_STREAM_TICKET_USED');
  });

  it('refuses an expired ticket', () => {
    let now = 5_000;
    const tickets = new StreamTickets(ticketSecret(['k1']), () => now);
    const { ticket } = tickets.issue();
    now += TICKET_TTL_MS;
    expect(refusal(() => tickets.redeem(ticket))).toBe('VTG_STREAM_TICKET_EXPIRED');
  });

  it('refuses tampered, foreign and malformed tickets', () => {
    const tickets = new StreamTickets(ticketSecret(['k1']));
    const { ticket } = tickets.issue();
    const [v, expiry, nonce, mac] = ticket.split('.') as [string, string, string, string];
    const later = (parseInt(expiry, 36) + 3_600_000).toString(36);
    const foreign = new StreamTickets(ticketSecret(['another key'])).issue().ticket;
    for (const bad of [
      `${v}.${later}.${nonce}.${mac}`,
      foreign,
      'x',
      `${ticket}.x`,
      `v2.${expiry}.${nonce}.${mac}`,
      '',
    ]) {
      expect(
        refusal(() => tickets.redeem(bad)),
        bad,
      ).toBe('VTG_STREAM_TICKET_INVALID');
    }
  });

  it('is accepted by another process configured with the same keys, in any order', () => {
    const a = new StreamTickets(ticketSecret(['k1', 'k2']));
    const b = new StreamTickets(ticketSecret(['k2', 'k1']));
    expect(refusal(() => b.redeem(a.issue().ticket))).toBeUndefined();
  });

  it('forgets used tickets once they expired', () => {
    let now = 0;
    const tickets = new StreamTickets(ticketSecret(['k']), () => now);
    for (let i = 0; i < 100; i++) tickets.redeem(tickets.issue().ticket);
    now += TICKET_TTL_MS;
    const fresh = tickets.issue().ticket;
    tickets.redeem(fresh);
    expect((tickets as unknown as { used: Map<string, number> }).used.size).toBe(1);
  });
});
