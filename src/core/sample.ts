/** One measurement as the collector accepts it, after validation and normalization. */
export type MetricType = 'gauge' | 'counter';

export const METRIC_TYPES: readonly MetricType[] = ['gauge', 'counter'];

export type Tags = Readonly<Record<string, string>>;

export interface Sample {
  readonly service: string;
  readonly name: string;
  readonly value: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly type: MetricType;
  readonly tags: Tags;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function floorTo(timestamp: number, stepMs: number): number {
  return Math.floor(timestamp / stepMs) * stepMs;
}
