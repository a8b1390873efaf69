import type { Point, VqlResponse } from '../../api/types';

/**
 * The three signals the overview draws per service, from the metric names Vantage's SDK, host
 * agent and demo traffic use: a request counter, an error counter and a latency gauge.
 */
export const SIGNAL_METRICS = {
  requests: 'http_requests_total',
  errors: 'http_errors_total',
  latency: 'http_request_duration_ms',
} as const;

/** The window of the sparklines. */
export const SPARK_WINDOW = '1h';

/** Requests and errors per second, per service and minute: one query for every service. */
export const RATES_VQL =
  `SELECT service_name, metric_name, time_bucket(1m) AS minute, rate(value) FROM metrics ` +
  `WHERE metric_name IN ('${SIGNAL_METRICS.requests}', '${SIGNAL_METRICS.errors}') ` +
  `AND timestamp > now() - ${SPARK_WINDOW} GROUP BY service_name, metric_name, minute LIMIT 10000`;

/** p99 latency per service and minute. */
export const LATENCY_VQL =
  `SELECT service_name, time_bucket(1m) AS minute, p99(value) FROM metrics ` +
  `WHERE metric_name = '${SIGNAL_METRICS.latency}' ` +
  `AND timestamp > now() - ${SPARK_WINDOW} GROUP BY service_name, minute LIMIT 10000`;

export interface ServiceSignals {
  throughput: Point[];
  errorRate: Point[];
  latencyP99: Point[];
}

const byTime = (a: Point, b: Point): number => a[0] - b[0];

/**
 * Turns the two answers into per-service series; error rate is errors / requests per minute. The
 * minute in progress when each query ran is left out: its rate, over part of a minute, would read
 * as a sudden drop. The queries end now, which the planner widens to the next whole minute
 * (`stats.to`), so the minute in progress is the answer's last.
 */
export function shapeSignals(
  rates: VqlResponse | undefined,
  latency: VqlResponse | undefined,
): Map<string, ServiceSignals> {
  const inProgress = (answer: VqlResponse | undefined): number =>
    answer ? Math.ceil(answer.stats.to / 60_000) * 60_000 - 60_000 : 0;
  const out = new Map<string, ServiceSignals>();
  const of = (service: string): ServiceSignals => {
    let s = out.get(service);
    if (!s) out.set(service, (s = { throughput: [], errorRate: [], latencyP99: [] }));
    return s;
  };
  const errors = new Map<string, Map<number, number>>();
  const ratesCut = inProgress(rates);
  for (const [service, metric, minute, rate] of rates?.rows ?? []) {
    if (typeof service !== 'string' || typeof minute !== 'number' || typeof rate !== 'number') continue;
    if (minute >= ratesCut) continue;
    if (metric === SIGNAL_METRICS.requests) of(service).throughput.push([minute, rate]);
    else {
      let m = errors.get(service);
      if (!m) errors.set(service, (m = new Map()));
      m.set(minute, rate);
    }
  }
  for (const [service, s] of out) {
    s.throughput.sort(byTime);
    const e = errors.get(service) ?? new Map<number, number>();
    s.errorRate = s.throughput.filter(([, r]) => r > 0).map(([t, r]): Point => [t, (e.get(t) ?? 0) / r]);
  }
  const latencyCut = inProgress(latency);
  for (const [service, minute, p99] of latency?.rows ?? []) {
    if (typeof service !== 'string' || typeof minute !== 'number' || typeof p99 !== 'number') continue;
    if (minute >= latencyCut) continue;
    of(service).latencyP99.push([minute, p99]);
  }
  for (const s of out.values()) s.latencyP99.sort(byTime);
  return out;
}

/** The latest value of a series (the last complete minute), or null. */
export function latest(points: readonly Point[]): number | null {
  return points.length ? (points[points.length - 1] as Point)[1] : null;
}
