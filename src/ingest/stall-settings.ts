import type { SettingSpec } from '../config/setting-spec.js';
import { durationSchema } from '../config/setting-spec.js';

/**
 * When the collector calls the pipeline stuck (issue 10; src/ingest/pipeline-progress.ts). Two
 * minutes: a healthy worker commits every few seconds while data waits (a batch gathers for at
 * most 5 s), and a failing write is retried after 2, 4, 8, 16, 32 s, so two minutes pass over a
 * short store outage, a Kafka rebalance (10 s session timeout) or a worker restart, yet a worker
 * stuck for good shows on /ready long before the bus's retention or the disk is at risk.
 */
export const STALL_SETTINGS = {
  stallAfter: {
    flag: '--stall-after',
    env: 'VANTAGE_STALL_AFTER',
    default: '2m',
    schema: durationSchema(0),
    description:
      'Collector /ready answers 503 once workers commit nothing this long while data waits; 0: off',
  },
} as const satisfies Record<string, SettingSpec>;
