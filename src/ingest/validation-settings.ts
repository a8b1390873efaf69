import { durationSchema, positiveIntSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { ValidationLimits } from './sample-validator.js';

/** What the collector accepts in one request (docs/operations.md lists each limit and its error). */
export const VALIDATION_SETTINGS = {
  maxBatchSize: {
    flag: '--max-batch-size',
    env: 'VANTAGE_MAX_BATCH_SIZE',
    default: '10000',
    schema: positiveIntSchema,
    description: 'Most metrics in one request',
  },
  maxTags: {
    flag: '--max-tags',
    env: 'VANTAGE_MAX_TAGS',
    default: '32',
    schema: positiveIntSchema,
    description: 'Most tags on one metric',
  },
  maxSampleAge: {
    flag: '--max-sample-age',
    env: 'VANTAGE_MAX_SAMPLE_AGE',
    default: '7d',
    schema: durationSchema(),
    description: 'Oldest timestamp accepted, before now',
  },
  maxFutureSkew: {
    flag: '--max-future-skew',
    env: 'VANTAGE_MAX_FUTURE_SKEW',
    default: '10m',
    schema: durationSchema(),
    description: 'Furthest timestamp accepted, after now',
  },
} as const satisfies Record<string, SettingSpec>;

/** The collector's validation limits, from the parsed settings. */
export function validationLimits(values: {
  readonly maxTags: number;
  readonly maxBatchSize: number;
  readonly maxSampleAge: number;
  readonly maxFutureSkew: number;
}): ValidationLimits {
  return {
    maxTags: values.maxTags,
    maxBatchSize: values.maxBatchSize,
    maxSampleAgeMs: values.maxSampleAge,
    maxFutureSkewMs: values.maxFutureSkew,
  };
}
