import { metricSet } from '../telemetry/index.js';

/** One set for requests and store queries, so the two histograms compare bucket for bucket. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The query API's self-metrics, with the seed's names. */
export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export const createApiMetrics = metricSet((m) => ({
  queryCacheHits: m.counter(
    'vantage_api_query_cache_hits_total',
    'Answers served from the query cache (or from the same query already running), by query kind',
    ['query'],
  ),
  queryCacheMisses: m.counter(
    'vantage_api_query_cache_misses_total',
    'Answers the query cache did not hold, by query kind',
    ['query'],
  ),
  queryCacheEvictions: m.counter(
    'vantage_api_query_cache_evictions_total',
    'Cached answers pushed out to stay within the memory bound',
  ),
  queryCacheEntries: m.gauge('vantage_api_query_cache_entries', 'Answers held by the in-process query cache'),
  queryCacheBytes: m.gauge(
    'vantage_api_query_cache_bytes',
    'Memory held by the in-process query cache (keys and answers, upper bound)',
  ),
  requests: m.counter('vantage_api_requests_total', 'API requests by route and status', ['route', 'status']),
  requestDuration: m.histogram(
    'vantage_api_request_duration_seconds',
    'API request duration by route',
    DURATION_BUCKETS,
    ['route'],
  ),
  vqlQueries: m.counter(
    'vantage_api_vql_queries_total',
    'VQL queries by outcome: ok, refused (invalid VQL), failed (the store timed out or failed)',
    ['outcome'],
  ),
  queryDuration: m.histogram(
    'vantage_api_database_query_duration_seconds',
    'Store query duration by query kind and tier',
    DURATION_BUCKETS,
    ['query', 'tier'],
  ),
}));
