/**
 * The example queries of docs/vql.md, word for word (a test keeps the two in step), for tests and
 * for the benchmark that times parse + validate + compile.
 */
export interface VqlExample {
  readonly title: string;
  readonly vql: string;
}

export const VQL_EXAMPLES: readonly VqlExample[] = [
  {
    title: 'Latency of one route per service, in 5-minute buckets',
    vql: "SELECT service_name, avg(value), p99(value) FROM metrics WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 1h AND tags.route = '/pay' GROUP BY service_name, time_bucket(5m) ORDER BY service_name LIMIT 100",
  },
  {
    title: 'The seed example: average per service',
    vql: 'SELECT service_name, AVG(value) FROM metrics WHERE timestamp > 1234567890 GROUP BY service_name;',
  },
  {
    title: 'Requests per second per route over the last 15 minutes',
    vql: "SELECT tags.route, rate(value) AS rps FROM metrics WHERE service_name = 'checkout' AND metric_name = 'http_requests_total' AND timestamp >= now() - 15m GROUP BY tags.route ORDER BY rps DESC LIMIT 10",
  },
  {
    title: 'The slowest routes by p95 over a fixed window',
    vql: "SELECT service_name, tags.route, p95(value) AS p95_ms, count(*) AS requests FROM metrics WHERE metric_name = 'http_request_duration_ms' AND timestamp BETWEEN '2026-11-27T10:00:00Z' AND '2026-11-27T12:00:00Z' GROUP BY service_name, tags.route ORDER BY p95_ms DESC LIMIT 20",
  },
  {
    title: 'Hourly maximum and last value of a gauge for a set of services',
    vql: "SELECT time_bucket(1h) AS hour, service_name, max(value), last(value) FROM metrics WHERE metric_name = 'queue_depth' AND service_name IN ('billing', 'checkout', 'search') AND timestamp > now() - 1d GROUP BY hour, service_name ORDER BY hour, service_name",
  },
  {
    title: 'Error rate by status class, excluding canaries',
    vql: "SELECT tags.status, rate(value) FROM metrics WHERE metric_name = 'http_requests_total' AND tags.status LIKE '5%' AND NOT (tags['deploy.track'] = 'canary' OR tags.env != 'prod') AND timestamp > now() - interval '30 minutes' GROUP BY tags.status",
  },
  {
    title: 'Which metrics each service sent today, with sample counts',
    vql: 'SELECT service_name, metric_name, type, count(value) FROM metrics WHERE timestamp >= now() - 24h GROUP BY service_name, metric_name, type ORDER BY 4 DESC',
  },
  {
    title: 'Daily percentiles for a month, all services together',
    vql: "SELECT time_bucket(1d), p50(value), p90(value), p99(value), min(value), max(value) FROM metrics WHERE metric_name = 'db_query_ms' AND type = 'gauge' AND timestamp >= '2026-11-01T00:00:00Z' AND timestamp < '2026-12-01T00:00:00Z' GROUP BY time_bucket(1d)",
  },
  {
    title: 'One number: the average over the default range (the last hour)',
    vql: "SELECT avg(value), sum(value), count(*) FROM metrics WHERE service_name = 'search' AND metric_name = 'cache_hit_ratio'",
  },
  {
    title: 'Services whose names match a pattern, per minute',
    vql: "SELECT service_name, time_bucket(1m, timestamp), rate(value) FROM metrics WHERE service_name NOT LIKE 'test-%' AND metric_name = 'jobs_processed_total' AND timestamp > now() - 10m GROUP BY service_name, time_bucket(1m, timestamp)",
  },
];
