import { z } from 'zod';
import { durationSchema } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';

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
