import { z } from 'zod';
import { listSchema, pathSchema, positiveIntSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';

/**
 * The SQLite fallback mode of the distributed worker and query API (docs/operations.md, "When
 * ClickHouse is away"). A worker takes exactly one outbox path (fallbackProblems); an API may
 * read several, one per worker on the machine or volume it shares with them.
 */
export const FALLBACK_SETTINGS = {
  fallback: {
    flag: '--fallback',
    env: 'VANTAGE_FALLBACK',
    default: 'none',
    schema: z.enum(['none', 'sqlite'], { message: 'must be none or sqlite' }),
    description:
      'sqlite: while the breaker is open the worker consumes into a local SQLite outbox, replayed into ClickHouse later, and the API merges it into answers (worker, api)',
  },
  fallbackPath: {
    flag: '--fallback-path',
    env: 'VANTAGE_FALLBACK_PATH',
    default: './vantage-fallback.db',
    schema: listSchema.pipe(z.array(pathSchema).min(1, 'must name at least one file')),
    description:
      "The worker's outbox file; for the API, comma-separated outbox files of the workers it can read",
  },
  fallbackMaxBytes: {
    flag: '--fallback-max-bytes',
    env: 'VANTAGE_FALLBACK_MAX_BYTES',
    default: String(10 * 1024 ** 3),
    schema: positiveIntSchema,
    description: 'Outbox size beyond which the worker stops consuming while the breaker is open (worker)',
  },
} as const satisfies Record<string, SettingSpec>;

interface FallbackValues {
  readonly fallback?: 'none' | 'sqlite' | undefined;
  readonly fallbackPath?: readonly string[] | undefined;
}

/** What is wrong with a worker's fallback settings: a worker writes one outbox, not several. */
export function workerFallbackProblems(values: FallbackValues): string[] {
  if (values.fallback !== 'sqlite' || (values.fallbackPath?.length ?? 0) <= 1) return [];
  const spec = FALLBACK_SETTINGS.fallbackPath;
  return [`${spec.flag} / ${spec.env}: a worker writes one outbox file, not a list`];
}

/** The outbox files of `--fallback sqlite`, or none when the fallback is off. */
export function fallbackOutboxes(values: Required<FallbackValues>): readonly string[] | undefined {
  return values.fallback === 'sqlite' ? values.fallbackPath : undefined;
}
