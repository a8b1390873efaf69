import { z } from 'zod';
import { durationSchema, listSchema } from './settings-table.js';
import type { SettingSpec } from './settings-table.js';

const wholeNumber = z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number);

/**
 * Settings of the query cache, shared by `vantage start` and `vantage api`. docs/api.md explains
 * the two times to live.
 */
export const QUERY_CACHE_SETTINGS = {
  queryCacheMaxMb: {
    flag: '--query-cache-max-mb',
    env: 'VANTAGE_QUERY_CACHE_MAX_MB',
    default: '64',
    schema: wholeNumber.pipe(z.number().int().min(0).max(1_048_576)),
    description: 'Memory bound of the in-process query cache, in MiB; 0 turns the cache off',
  },
  queryCacheTtl: {
    flag: '--query-cache-ttl',
    env: 'VANTAGE_QUERY_CACHE_TTL',
    default: '60s',
    schema: durationSchema(0),
    description: 'How long a cached answer is served; 0 turns the cache off',
  },
  queryCacheLiveTtl: {
    flag: '--query-cache-live-ttl',
    env: 'VANTAGE_QUERY_CACHE_LIVE_TTL',
    default: '5s',
    schema: durationSchema(0),
    description: 'How long a cached answer whose range reaches into the last 2 minutes is served',
  },
} as const satisfies Record<string, SettingSpec>;

/** `role=url` or `url`; a role named here is shown even while its target is down. */
const metricsTarget = z
  .string()
  .regex(/^((collector|worker)=)?https?:\/\/\S+$/, {
    message:
      'each target must be an http(s) URL of a /metrics endpoint, optionally prefixed by collector= or worker=',
  })
  .refine((text) => URL.canParse(text.replace(/^(collector|worker)=/, '')), {
    message: 'must be a valid URL',
  });

/** Settings of `vantage api` alone: where the pipeline's metrics are, for GET /v1/pipeline. */
export const PIPELINE_SETTINGS = {
  pipelineMetricsUrls: {
    flag: '--pipeline-metrics-urls',
    env: 'VANTAGE_PIPELINE_METRICS_URLS',
    default: '',
    schema: listSchema.pipe(z.array(metricsTarget)),
    description:
      'Comma-separated /metrics URLs of collectors and workers, each optionally as collector=URL or worker=URL (api)',
  },
} as const satisfies Record<string, SettingSpec>;
