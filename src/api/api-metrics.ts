import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The query API's self-metrics, with the seed's names. */
export interface ApiMetrics {
  readonly requests: Counter<'route' | 'status'>;
  readonly requestDuration: Histogram<'route'>;
  readonly queryDuration: Histogram<'query' | 'tier'>;
  readonly vqlQueries: Counter<'outcome'>;
  readonly queryCacheHits: Counter<'query'>;
  readonly queryCacheMisses: Counter<'query'>;
  readonly queryCacheEvictions: Counter;
  readonly queryCacheEntries: Gauge;
  readonly queryCacheBytes: Gauge;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  return {
    queryCacheHits: new Counter({
      name: 'vantage_api_query_cache_hits_total',
      help: 'Answers served from the query cache (or from the same query already running), by query kind',
      labelNames: ['query'],
      registers,
    }),
    queryCacheMisses: new Counter({
      name: 'vantage_api_query_cache_misses_total',
      help: 'Answers the query cache did not hold, by query kind',
      labelNames: ['query'],
      registers,
    }),
    queryCacheEvictions: new Counter({
      name: 'vantage_api_query_cache_evictions_total',
      help: 'Cached answers pushed out to stay within the memory bound',
      registers,
    }),
    queryCacheEntries: new Gauge({
      name: 'vantage_api_query_cache_entries',
      help: 'Answers held by the in-process query cache',
      registers,
    }),
    queryCacheBytes: new Gauge({
      name: 'vantage_api_query_cache_bytes',
      help: 'Memory held by the in-process query cache (keys and answers, upper bound)',
      registers,
    }),
    requests: new Counter({
      name: 'vantage_api_requests_total',
      help: 'API requests by route and status',
      labelNames: ['route', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'vantage_api_request_duration_seconds',
      help: 'API request duration by route',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    vqlQueries: new Counter({
      name: 'vantage_api_vql_queries_total',
      help: 'VQL queries by outcome: ok, refused (invalid VQL), failed (the store timed out or failed)',
      labelNames: ['outcome'],
      registers,
    }),
    queryDuration: new Histogram({
      name: 'vantage_api_database_query_duration_seconds',
      help: 'Store query duration by query kind and tier',
      labelNames: ['query', 'tier'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
