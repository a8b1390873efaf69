import { SPAN_METRICS, SPAN_METRIC_TAGS, scoreHealth, stepValue } from '../core/index.js';
import type { HealthMeasurements, HealthMetricNames, HealthScore } from '../core/index.js';
import type { MetricSummary, Store } from '../storage/index.js';
import { rangeTotals } from './range-totals.js';
import type { RangeTotals } from './range-totals.js';

/** The two ranges a score compares, epoch ms, [from, to). */
export interface HealthRanges {
  readonly windowFrom: number;
  readonly windowTo: number;
  readonly baselineFrom: number;
  readonly baselineTo: number;
  /** How the reasons name them: `15m`, `24h`. */
  readonly windowLabel: string;
  readonly baselineLabel: string;
}

type Input = keyof HealthMetricNames;
const EXPECTED_TYPE: Record<Input, 'counter' | 'gauge'> = {
  requests: 'counter',
  errors: 'counter',
  latency: 'gauge',
};

/** Where an input is read: a metric, the tags that select its series, and how reasons name it. */
interface InputSource {
  readonly metric: string;
  readonly tagFilters: ReadonlyArray<readonly [string, string]>;
  readonly label: string;
}
type Sources = Record<Input, InputSource>;

const SERVER: readonly [string, string] = [SPAN_METRIC_TAGS.kind, 'server'];
/**
 * A traced service's requests from its span metrics: its server spans are the requests it served,
 * those with status error the failed ones, and their durations its latency.
 */
const SPAN_SOURCES: Sources = {
  requests: {
    metric: SPAN_METRICS.calls,
    tagFilters: [SERVER],
    label: `${SPAN_METRICS.calls}{span_kind=server}`,
  },
  errors: {
    metric: SPAN_METRICS.calls,
    tagFilters: [SERVER, [SPAN_METRIC_TAGS.status, 'error']],
    label: `${SPAN_METRICS.calls}{span_kind=server,status_code=error}`,
  },
  latency: {
    metric: SPAN_METRICS.duration,
    tagFilters: [SERVER],
    label: `${SPAN_METRICS.duration}{span_kind=server}`,
  },
};

/**
 * Measures one service's inputs from the store and scores them. Every input it cannot measure
 * becomes a gap that names the metric and why, so the reasons say what a score was made from. A
 * service that sends none of the request metrics but sends spans is scored from its span metrics.
 */
export async function measureServiceHealth(
  store: Store,
  service: string,
  names: HealthMetricNames,
  ranges: HealthRanges,
): Promise<{ service: string } & HealthScore> {
  // Only the metrics scored, whatever the number the service sends.
  const wanted = [names.requests, names.errors, names.latency, SPAN_METRICS.calls, SPAN_METRICS.duration];
  const metrics: readonly MetricSummary[] = await store.metrics(service, {
    names: wanted,
    limit: wanted.length,
  });
  const own = (name: string): boolean => metrics.some((x) => x.name === name);
  const traced =
    !own(names.requests) &&
    !own(names.errors) &&
    !own(names.latency) &&
    own(SPAN_METRICS.calls) &&
    own(SPAN_METRICS.duration);
  const sources: Sources = traced
    ? SPAN_SOURCES
    : {
        requests: { metric: names.requests, tagFilters: [], label: names.requests },
        errors: { metric: names.errors, tagFilters: [], label: names.errors },
        latency: { metric: names.latency, tagFilters: [], label: names.latency },
      };
  const label = {
    requests: sources.requests.label,
    errors: sources.errors.label,
    latency: sources.latency.label,
  };
  // Why an input cannot be read, by input; absent when it can.
  const unusable: Partial<Record<Input, string>> = {};
  for (const input of ['requests', 'errors', 'latency'] as const) {
    const m = metrics.find((x) => x.name === sources[input].metric);
    if (m === undefined) unusable[input] = `no ${label[input]}`;
    else if (m.types.length !== 1 || m.types[0] !== EXPECTED_TYPE[input])
      unusable[input] =
        `${sources[input].metric} is sent as ${m.types.join(' and ')}, not as a ${EXPECTED_TYPE[input]}`;
  }
  const has = {
    requests: unusable.requests === undefined,
    errors: unusable.errors === undefined,
    latency: unusable.latency === undefined,
  };
  const gaps: string[] = traced
    ? [`scored from span metrics: sends none of ${names.requests}, ${names.errors}, ${names.latency}`]
    : [];
  if (!has.requests && !has.errors && !has.latency) {
    const reasons = Object.values(unusable).every((r) => r.startsWith('no '))
      ? [`sends none of ${names.requests}, ${names.errors}, ${names.latency}`]
      : Object.values(unusable);
    return { service, ...scoreHealth(none(), reasons, '') };
  }

  const read = (input: Input, from: number, to: number): Promise<RangeTotals | undefined> =>
    has[input]
      ? rangeTotals(
          store,
          { service, metric: sources[input].metric, tagFilters: sources[input].tagFilters },
          from,
          to,
          input === 'latency',
        )
      : Promise.resolve(undefined);
  const { windowFrom, windowTo, baselineFrom, baselineTo } = ranges;
  const [reqNow, reqBase, errNow, errBase, latNow, latBase] = await Promise.all([
    read('requests', windowFrom, windowTo),
    read('requests', baselineFrom, baselineTo),
    read('errors', windowFrom, windowTo),
    read('errors', baselineFrom, baselineTo),
    read('latency', windowFrom, windowTo),
    read('latency', baselineFrom, baselineTo),
  ]);

  const count = (t: RangeTotals | undefined): number => t?.stats.count ?? 0;
  if (count(reqNow) + count(errNow) + count(latNow) === 0) {
    return { service, ...scoreHealth(none(), [...gaps, `no data in the last ${ranges.windowLabel}`], '') };
  }

  // Counters hold deltas: their sum over a range is what happened in it, and no row means none.
  const requestsNow = reqNow?.stats.sum ?? 0;
  const requestsBase = reqBase?.stats.sum ?? 0;
  const m: {
    -readonly [K in keyof HealthMeasurements]: { current: number | null; baseline: number | null };
  } = none();

  if (!has.requests) {
    gaps.push(`${unusable.requests}: error rate and throughput not scored`);
  } else {
    m.throughput.current = requestsNow / ((windowTo - windowFrom) / 1000);
    // A service younger than the baseline is measured over the part it existed for.
    const since = reqBase?.firstDataAt;
    if (since === undefined) {
      gaps.push(
        `no ${label.requests} in the ${ranges.baselineLabel} before the window: throughput not scored`,
      );
    } else {
      m.throughput.baseline = requestsBase / ((baselineTo - since) / 1000);
    }
    if (!has.errors) {
      gaps.push(`${unusable.errors}: error rate not scored`);
    } else if (requestsNow === 0) {
      gaps.push(`no requests in the last ${ranges.windowLabel}: error rate not scored`);
    } else {
      m.errorRate.current = Math.min(1, (errNow?.stats.sum ?? 0) / requestsNow);
      if (requestsBase > 0) m.errorRate.baseline = Math.min(1, (errBase?.stats.sum ?? 0) / requestsBase);
    }
  }

  if (!has.latency) {
    gaps.push(`${unusable.latency}: latency not scored`);
  } else {
    m.latencyP99.current = p99(latNow);
    m.latencyP99.baseline = p99(latBase);
    if (m.latencyP99.current === null) {
      gaps.push(`no ${label.latency} samples in the last ${ranges.windowLabel}: latency not scored`);
    } else if (m.latencyP99.baseline === null) {
      gaps.push(`no ${label.latency} in the ${ranges.baselineLabel} before the window: latency not scored`);
    }
  }
  return { service, ...scoreHealth(m, gaps, ranges.baselineLabel) };
}

function p99(t: RangeTotals | undefined): number | null {
  return t === undefined ? null : (stepValue('p99', t.stats, 'gauge', 1) ?? null);
}

function none(): { [K in keyof HealthMeasurements]: { current: number | null; baseline: number | null } } {
  return {
    errorRate: { current: null, baseline: null },
    latencyP99: { current: null, baseline: null },
    throughput: { current: null, baseline: null },
  };
}
