import { HOUR_MS, TIERS, mergeStepStats } from '../core/index.js';
import type { MetricType, StepStats, Tier } from '../core/index.js';
import type { Bucket, SeriesSelector, Store } from '../storage/index.js';

/** Everything a selection of series holds in a time range, merged into one step. */
export interface RangeTotals {
  readonly stats: StepStats;
  /** Counter when every selected series is a counter (as BucketGroup.type). */
  readonly type: MetricType;
  /** Start of the first minute with data in the range; undefined when there is none. */
  readonly firstDataAt: number | undefined;
}

const MINUTE_TIER = TIERS.find((t) => t.name === '1m') as Tier;
const HOUR_TIER = TIERS.find((t) => t.name === '1h') as Tier;

/**
 * The totals of one selection over [from, to) (whole minutes), read from the coarsest stored
 * rows that fit: whole hours from the hourly tier, the minutes before the first and after the
 * last whole hour from the minute tier. A 24-hour baseline then reads 23 hourly rows and at most
 * 118 minute rows per series instead of 1,440, with the same answer (tiers hold exact rollups).
 */
export async function rangeTotals(
  store: Store,
  selection: Omit<SeriesSelector, 'groupBy'>,
  from: number,
  to: number,
  needSketch: boolean,
): Promise<RangeTotals> {
  const firstHour = Math.min(to, Math.ceil(from / HOUR_MS) * HOUR_MS);
  const lastHour = Math.max(firstHour, Math.floor(to / HOUR_MS) * HOUR_MS);
  const pieces: [Tier, number, number][] = [
    [MINUTE_TIER, from, firstHour],
    [HOUR_TIER, firstHour, lastHour],
    [MINUTE_TIER, lastHour, to],
  ];
  const read = (tier: Tier, start: number, end: number) =>
    store.queryBuckets({
      ...selection,
      groupBy: [],
      from: start,
      to: end,
      stepMs: tier.resolutionMs,
      tier,
      needLast: false,
      needSketch,
    });
  const answers = await Promise.all(
    pieces.filter(([, start, end]) => end > start).map(([tier, start, end]) => read(tier, start, end)),
  );
  const groups = answers.flat();
  const buckets: Bucket[] = groups.flatMap((g) => g.buckets);
  if (buckets.length === 0) {
    return { stats: mergeStepStats([]), type: 'gauge', firstDataAt: undefined };
  }
  const type: MetricType = groups.every((g) => g.type === 'counter') ? 'counter' : 'gauge';
  let firstDataAt = Math.min(...buckets.map((b) => b.start));
  // An hourly row says only which hour the data began in; its minute rows say which minute.
  if (firstDataAt >= firstHour && firstDataAt < lastHour) {
    const [minutes] = await read(MINUTE_TIER, firstDataAt, firstDataAt + HOUR_MS);
    firstDataAt = minutes?.buckets[0]?.start ?? firstDataAt;
  }
  return { stats: mergeStepStats(buckets), type, firstDataAt };
}
