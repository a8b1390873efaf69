import type { TierRetention } from '../core/index.js';
import type { TraceRetention } from './trace-store.js';
import { durationSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';

/** How long each storage tier keeps its rows, and how often the retention job deletes the rest. */
export const RETENTION_SETTINGS = {
  retentionRaw: {
    flag: '--retention-raw',
    env: 'VANTAGE_RETENTION_RAW',
    default: '90d',
    schema: durationSchema(),
    description: 'Retention of 1-minute and 5-minute aggregates',
  },
  retentionHourly: {
    flag: '--retention-hourly',
    env: 'VANTAGE_RETENTION_HOURLY',
    default: '365d',
    schema: durationSchema(),
    description: 'Retention of 1-hour rollups',
  },
  retentionDaily: {
    flag: '--retention-daily',
    env: 'VANTAGE_RETENTION_DAILY',
    default: '1095d',
    schema: durationSchema(),
    description: 'Retention of 1-day rollups',
  },
  retentionSpans: {
    flag: '--retention-spans',
    env: 'VANTAGE_RETENTION_SPANS',
    default: '30d',
    schema: durationSchema(),
    description: 'Retention of spans (trace views, search by span)',
  },
  retentionTraceSummaries: {
    flag: '--retention-trace-summaries',
    env: 'VANTAGE_RETENTION_TRACE_SUMMARIES',
    default: '90d',
    schema: durationSchema(),
    description: 'Retention of trace summaries (the trace list)',
  },
  retentionInterval: {
    flag: '--retention-interval',
    env: 'VANTAGE_RETENTION_INTERVAL',
    default: '1h',
    schema: durationSchema(),
    description: 'How often the retention job runs',
  },
} as const satisfies Record<string, SettingSpec>;

/** Retention per storage tier from the parsed settings: raw covers the 1-minute and 5-minute tiers. */
export function tierRetention(values: {
  readonly retentionRaw: number;
  readonly retentionHourly: number;
  readonly retentionDaily: number;
}): TierRetention {
  return {
    '1m': values.retentionRaw,
    '5m': values.retentionRaw,
    '1h': values.retentionHourly,
    '1d': values.retentionDaily,
  };
}

/** Retention of spans and of trace summaries from the parsed settings. */
export function traceRetention(values: {
  readonly retentionSpans: number;
  readonly retentionTraceSummaries: number;
}): TraceRetention {
  return { spansMs: values.retentionSpans, summariesMs: values.retentionTraceSummaries };
}
