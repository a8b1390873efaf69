import { DAY_MS, HOUR_MS, MINUTE_MS } from './sample.js';

/**
 * Storage resolutions. Every aggregate is written to each tier, re-bucketed; a query reads the
 * coarsest tier whose resolution divides its step (so its buckets are exact unions of tier rows)
 * and whose retention still covers the start of the range.
 *
 * The 5-minute tier is not in the seed's policy: it exists because dashboards ask for 5-minute
 * steps over a day, and reading 1,440 minute rows per series for them is five times the work.
 */
export interface Tier {
  readonly name: '1m' | '5m' | '1h' | '1d';
  readonly resolutionMs: number;
}

export const TIERS: readonly Tier[] = [
  { name: '1m', resolutionMs: MINUTE_MS },
  { name: '5m', resolutionMs: 5 * MINUTE_MS },
  { name: '1h', resolutionMs: HOUR_MS },
  { name: '1d', resolutionMs: DAY_MS },
];

export type TierRetention = Readonly<Record<Tier['name'], number>>;

/**
 * The tier for a query with step `stepMs` from `from`. Falls back to the coarsest exact tier when
 * none retains `from` (the answer then starts where that tier's data does).
 */
export function chooseTier(stepMs: number, from: number, now: number, retention: TierRetention): Tier {
  const exact = TIERS.filter((t) => stepMs % t.resolutionMs === 0);
  const retained = exact.filter((t) => from >= now - retention[t.name]);
  const pick = retained[retained.length - 1] ?? exact[exact.length - 1];
  if (pick === undefined) throw new RangeError(`step ${stepMs} ms is not a multiple of one minute`);
  return pick;
}
