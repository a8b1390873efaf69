import { durationSchema, wholeNumberSchema } from '../../config/setting-spec.js';
import type { SettingSpec } from '../../config/setting-spec.js';
import type { StoreQueryThreadOptions } from './query-thread-pool.js';

/**
 * The query threads of `vantage start` (docs/architecture.md, "Query threads"): better-sqlite3
 * runs a query synchronously on the thread that asks, so the embedded store runs the query API's
 * reads on threads of their own, and the main thread keeps serving cached answers and the
 * collector while a slow query runs. Two, not one per core: the embedded worker thread and the
 * main thread want cores too, and a third thread would mostly wait for a core.
 */
export const QUERY_THREAD_SETTINGS = {
  queryThreads: {
    flag: '--query-threads',
    env: 'VANTAGE_QUERY_THREADS',
    default: '2',
    schema: wholeNumberSchema(0, 64),
    description:
      "Threads for the query API's SQLite reads, each with its own connection; 0 reads on the main thread",
  },
  queryQueueMax: {
    flag: '--query-queue-max',
    env: 'VANTAGE_QUERY_QUEUE_MAX',
    default: '256',
    schema: wholeNumberSchema(0, 1_000_000),
    description: 'SQLite reads that wait while every query thread is busy; beyond it, 503',
  },
  queryTimeout: {
    flag: '--query-timeout',
    env: 'VANTAGE_QUERY_TIMEOUT',
    default: '30s',
    schema: durationSchema(),
    description: 'Deadline of a SQLite read on a query thread; past it, 504 and the thread is replaced',
  },
} as const satisfies Record<string, SettingSpec>;

/** The embedded store's query threads, from the parsed settings. */
export function queryThreadOptions(values: {
  readonly queryThreads: number;
  readonly queryQueueMax: number;
  readonly queryTimeout: number;
}): StoreQueryThreadOptions {
  return {
    queryThreads: values.queryThreads,
    queryQueueMax: values.queryQueueMax,
    queryTimeoutMs: values.queryTimeout,
  };
}
