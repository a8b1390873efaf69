import { addSample, canonicalTags, newAggregate } from '../src/core/index.js';
import type { Aggregate } from '../src/core/index.js';
import type { Store } from '../src/storage/index.js';
import { fmt } from './support.js';

export const DASHBOARD_SERVICE = 'dash-bench';
export const DASHBOARD_METRIC = 'latency_ms';

export interface DashboardData {
  readonly series: number;
  readonly hours: number;
  /** Exclusive end of the data, a whole minute: the data ends where `now` was when it was made. */
  readonly end: number;
}

/**
 * Writes the dashboard data set into a store as the worker would: one latency metric, `series`
 * series (a `host` tag each, 4 `region`s), one sample per series-minute over `hours` up to `end`.
 * The values are a function of series and minute only, so every store gets the same data.
 */
export async function writeDashboardData(
  store: Store,
  data: DashboardData,
  log: (s: string) => void,
): Promise<void> {
  const minutes = data.hours * 60;
  const start = data.end - minutes * 60_000;
  const tags = Array.from({ length: data.series }, (_, s) =>
    canonicalTags({ host: `host-${s}`, region: `r${s % 4}` }),
  );
  const chunkMinutes = 30;
  for (let m0 = 0; m0 < minutes; m0 += chunkMinutes) {
    const batch: Aggregate[] = [];
    for (let m = m0; m < Math.min(minutes, m0 + chunkMinutes); m++) {
      const minute = start + m * 60_000;
      for (let s = 0; s < data.series; s++) {
        const agg = newAggregate(DASHBOARD_SERVICE, DASHBOARD_METRIC, 'gauge', tags[s] as string, minute);
        addSample(agg, latency(s, m), minute + 30_000);
        batch.push(agg);
      }
    }
    await store.write(batch, []);
    if (m0 % 240 === 0) log(`    ${store.kind}: ${fmt((100 * m0) / minutes, 0)}%`);
  }
}

/** A latency that differs by host, drifts over the day and has a tail. */
function latency(series: number, minute: number): number {
  const noise = ((series * 7_919 + minute * 104_729) % 1_000) / 1_000;
  return 20 + (series % 50) + 10 * Math.sin(minute / 30) + (noise > 0.98 ? 200 * noise : 5 * noise);
}
