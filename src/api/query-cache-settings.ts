import { durationSchema, wholeNumberSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { QueryCacheOptions } from './cached-answers.js';

/**
 * Settings of the query cache, shared by `vantage start` and `vantage api`. docs/api.md explains
 * the two times to live.
 */
export const QUERY_CACHE_SETTINGS = {
  queryCacheMaxMb: {
    flag: '--query-cache-max-mb',
    env: 'VANTAGE_QUERY_CACHE_MAX_MB',
    default: '64',
    schema: wholeNumberSchema(0, 1_048_576),
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

/** The query cache as the parsed settings describe it (docs/api.md). */
export function queryCacheOptions(values: {
  readonly queryCacheMaxMb: number;
  readonly queryCacheTtl: number;
  readonly queryCacheLiveTtl: number;
}): QueryCacheOptions {
  return {
    maxBytes: values.queryCacheMaxMb * 1024 * 1024,
    ttlMs: values.queryCacheTtl,
    liveTtlMs: values.queryCacheLiveTtl,
  };
}
