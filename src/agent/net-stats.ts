import { fields, wholeNumber } from './proc-text.js';

export interface InterfaceCounters {
  readonly receivedBytes: number;
  readonly receivedPackets: number;
  readonly receiveErrors: number;
  readonly receiveDrops: number;
  readonly transmittedBytes: number;
  readonly transmittedPackets: number;
  readonly transmitErrors: number;
  readonly transmitDrops: number;
}

/**
 * /proc/net/dev by interface: two header lines, then `name: 8 receive columns 8 transmit columns`.
 * A long name can touch its first number (`veth1a2b3c4d5e6:1234 ...`), so the line is split at the colon.
 */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const n = fields(line.slice(colon + 1)).map(wholeNumber);
    if (name.length === 0 || n.length < 16 || n.some((v) => v === undefined)) continue;
    const at = (i: number): number => n[i] as number;
    out.set(name, {
      receivedBytes: at(0),
      receivedPackets: at(1),
      receiveErrors: at(2),
      receiveDrops: at(3),
      transmittedBytes: at(8),
      transmittedPackets: at(9),
      transmitErrors: at(10),
      transmitDrops: at(11),
    });
  }
  return out;
}
