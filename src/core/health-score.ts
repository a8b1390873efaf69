/**
 * The health score of a service: 100 minus a penalty for each of three signals, each penalty
 * computed from numbers that are returned alongside it, so that a person can redo the sum and see
 * why a score dropped. docs/api.md explains the choices; the constants below are the formula.
 */

export type HealthStatus = 'healthy' | 'degraded' | 'critical' | 'unknown';

/** The metric names a score is read from, by convention (src/demo, the Python SDK). */
export interface HealthMetricNames {
  /** Counter of requests (deltas), errors included. */
  readonly requests: string;
  /** Counter of failed requests (deltas). */
  readonly errors: string;
  /** Gauge sent once per request: its latency. */
  readonly latency: string;
}

export const DEFAULT_HEALTH_METRICS: HealthMetricNames = {
  requests: 'http_requests_total',
  errors: 'http_errors_total',
  latency: 'http_request_duration_ms',
};

export const HEALTH_FORMULA = {
  /** Error rate: points per percent of requests that failed, at most `errorsMax`. */
  errorPointsPerPercent: 10,
  errorsMax: 60,
  /** Latency: p99 up to this multiple of its baseline costs nothing (noise, sketch error). */
  latencyFreeRatio: 1.25,
  /** Points per unit of p99 / baseline p99 above the free ratio, at most `latencyMax`. */
  latencyPointsPerRatio: 30,
  latencyMax: 60,
  /** Throughput: a drop of up to this fraction of the baseline costs nothing (daily rhythm). */
  throughputFreeDrop: 0.5,
  /** Points per percent of drop beyond the free drop, at most `throughputMax`. */
  throughputPointsPerPercent: 0.4,
  throughputMax: 20,
  healthyFrom: 80,
  degradedFrom: 50,
} as const;

const F = HEALTH_FORMULA;

/** The formula in words, returned with every answer. */
export const HEALTH_FORMULA_TEXT =
  `score = 100 - errors - latency - throughput, rounded and kept within 0..100, from the inputs a service has; ` +
  `errors = min(${F.errorsMax}, ${F.errorPointsPerPercent} x error rate in %); ` +
  `latency = min(${F.latencyMax}, ${F.latencyPointsPerRatio} x (p99 / baseline p99 - ${F.latencyFreeRatio})) when that ratio is over ${F.latencyFreeRatio}; ` +
  `throughput = min(${F.throughputMax}, ${F.throughputPointsPerPercent} x (drop in % - ${F.throughputFreeDrop * 100})) when requests/s fell more than ${F.throughputFreeDrop * 100}% below baseline (a rise costs nothing); ` +
  `healthy >= ${F.healthyFrom}, degraded >= ${F.degradedFrom}, critical below; unknown (score null) when no input can be scored`;

/** What was measured for a service; null where it could not be. */
export interface HealthMeasurements {
  /** Failed / all requests, 0..1, in the window and in the baseline. */
  readonly errorRate: { readonly current: number | null; readonly baseline: number | null };
  /** p99 of the latency metric. */
  readonly latencyP99: { readonly current: number | null; readonly baseline: number | null };
  /** Requests per second. */
  readonly throughput: { readonly current: number | null; readonly baseline: number | null };
}

export interface HealthScore {
  readonly score: number | null;
  readonly status: HealthStatus;
  readonly inputs: {
    readonly errorRate: { readonly current: number | null; readonly baseline: number | null };
    readonly latencyP99: {
      readonly current: number | null;
      readonly baseline: number | null;
      /** current / baseline */
      readonly ratio: number | null;
    };
    readonly throughput: {
      readonly current: number | null;
      readonly baseline: number | null;
      /** current / baseline - 1: -0.4 is a 40 % drop. */
      readonly change: number | null;
    };
  };
  /** Points taken off, to one decimal; null for an input that was not scored. */
  readonly penalties: {
    readonly errors: number | null;
    readonly latency: number | null;
    readonly throughput: number | null;
  };
  /** What cost points, largest first, then which inputs were missing and why. */
  readonly reasons: string[];
}

/**
 * Scores one service. `gaps` are the gatherer's explanations of missing inputs (which metric
 * was absent, or had no data); they are appended to the reasons. `baselineLabel` names the
 * baseline in the reasons ("24h").
 */
export function scoreHealth(
  m: HealthMeasurements,
  gaps: readonly string[],
  baselineLabel: string,
): HealthScore {
  const costs: { points: number; reason: string }[] = [];

  const errorRate = m.errorRate.current;
  let errors: number | null = null;
  if (errorRate !== null) {
    errors = tenth(Math.min(F.errorsMax, F.errorPointsPerPercent * errorRate * 100));
    const baseline =
      m.errorRate.baseline === null ? '' : ` (${baselineLabel} baseline ${percent(m.errorRate.baseline)})`;
    costs.push({ points: errors, reason: `error rate ${percent(errorRate)} of requests${baseline}` });
  }

  const ratio = quotient(m.latencyP99.current, m.latencyP99.baseline);
  let latency: number | null = null;
  if (ratio !== null) {
    latency = tenth(
      Math.min(F.latencyMax, Math.max(0, F.latencyPointsPerRatio * (ratio - F.latencyFreeRatio))),
    );
    costs.push({
      points: latency,
      reason: `p99 latency ${number(ratio)}x its ${baselineLabel} baseline (${number(m.latencyP99.current ?? 0)} vs ${number(m.latencyP99.baseline ?? 0)})`,
    });
  }

  const tpRatio = quotient(m.throughput.current, m.throughput.baseline);
  const change = tpRatio === null ? null : tpRatio - 1;
  let throughput: number | null = null;
  if (change !== null) {
    const drop = Math.max(0, -change);
    throughput = tenth(
      Math.min(
        F.throughputMax,
        Math.max(0, F.throughputPointsPerPercent * (drop - F.throughputFreeDrop) * 100),
      ),
    );
    costs.push({
      points: throughput,
      reason: `throughput ${change < 0 ? 'down' : 'up'} ${percent(Math.abs(change))} from its ${baselineLabel} baseline (${number(m.throughput.current ?? 0)} vs ${number(m.throughput.baseline ?? 0)} requests/s)`,
    });
  }

  const scored = [errors, latency, throughput].filter((p): p is number => p !== null);
  const score =
    scored.length === 0
      ? null
      : Math.min(100, Math.max(0, Math.round(100 - scored.reduce((s, p) => s + p, 0))));
  return {
    score,
    status: statusOf(score),
    inputs: {
      errorRate: { current: errorRate, baseline: m.errorRate.baseline },
      latencyP99: { current: m.latencyP99.current, baseline: m.latencyP99.baseline, ratio },
      throughput: { current: m.throughput.current, baseline: m.throughput.baseline, change },
    },
    penalties: { errors, latency, throughput },
    reasons: [
      ...costs
        .filter((c) => c.points > 0)
        .sort((a, b) => b.points - a.points)
        .map((c) => c.reason),
      ...gaps,
    ],
  };
}

export function statusOf(score: number | null): HealthStatus {
  if (score === null) return 'unknown';
  if (score >= F.healthyFrom) return 'healthy';
  if (score >= F.degradedFrom) return 'degraded';
  return 'critical';
}

/** Orders services worst first: lowest score first, unknown (no score) last, then by name. */
export function worstFirst(
  a: { service: string; score: number | null },
  b: { service: string; score: number | null },
): number {
  if (a.score !== b.score) {
    if (a.score === null) return 1;
    if (b.score === null) return -1;
    return a.score - b.score;
  }
  return a.service < b.service ? -1 : a.service > b.service ? 1 : 0;
}

/** current / baseline when both are known and the baseline is positive. */
function quotient(current: number | null, baseline: number | null): number | null {
  return current === null || baseline === null || !(baseline > 0) ? null : current / baseline;
}

function tenth(points: number): number {
  return Math.round(points * 10) / 10;
}

/** Three significant digits, no exponent for the magnitudes metrics have. */
function number(v: number): string {
  return String(Number(v.toPrecision(3)));
}

function percent(fraction: number): string {
  return `${number(fraction * 100)}%`;
}
