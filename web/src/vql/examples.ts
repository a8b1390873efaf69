/**
 * Example queries offered in Explore. They use the metric names of the demo traffic
 * (`vantage send-test-metrics`) and the SDK's conventions, and relative times, so each runs
 * against a freshly started Vantage with demo data. docs/vql.md has the full language.
 */
export const EXAMPLES: readonly { title: string; vql: string }[] = [
  {
    title: 'p99 latency per service, per minute',
    vql: `SELECT time_bucket(1m) AS minute, service_name, p99(value)
FROM metrics
WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 1h
GROUP BY minute, service_name
ORDER BY minute`,
  },
  {
    title: 'Requests per second per route',
    vql: `SELECT service_name, tags.route, rate(value) AS rps
FROM metrics
WHERE metric_name = 'http_requests_total' AND timestamp > now() - 15m
GROUP BY service_name, tags.route
ORDER BY rps DESC
LIMIT 20`,
  },
  {
    title: 'Slowest routes by p95',
    vql: `SELECT service_name, tags.route, p95(value) AS p95_ms, count(*) AS requests
FROM metrics
WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 1h
GROUP BY service_name, tags.route
ORDER BY p95_ms DESC
LIMIT 10`,
  },
  {
    title: 'Errors per second over time, by service',
    vql: `SELECT time_bucket(5m) AS t, service_name, rate(value)
FROM metrics
WHERE metric_name = 'http_errors_total' AND timestamp > now() - 6h
GROUP BY t, service_name
ORDER BY t`,
  },
  {
    title: 'Every metric each service sent today',
    vql: `SELECT service_name, metric_name, type, count(value) AS samples
FROM metrics
WHERE timestamp > now() - 24h
GROUP BY service_name, metric_name, type
ORDER BY samples DESC`,
  },
];
