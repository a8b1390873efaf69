import type { PipelineStatusResponse } from '../core/index.js';
import type { PromSample } from './prometheus-text.js';

type Status = PipelineStatusResponse;

/**
 * The samples of every target of one role that answered a scrape. `up` is false when none did:
 * then every number of the role is unknown (null). A counter no up target shows yet is 0, since
 * prom-client shows a labelled counter only once it has counted something; a gauge no target
 * shows is unknown.
 */
export class RoleSamples {
  constructor(
    readonly up: boolean,
    private readonly samples: readonly PromSample[],
  ) {}

  /** Sum over the samples of `name` whose labels include `match`; null when there is none. */
  sum(name: string, match: Readonly<Record<string, string>> = {}): number | null {
    let total: number | null = null;
    for (const s of this.matching(name, match)) total = (total ?? 0) + s.value;
    return total;
  }

  values(name: string): number[] {
    return [...this.matching(name, {})].map((s) => s.value);
  }

  max(name: string): number | null {
    let most: number | null = null;
    for (const s of this.matching(name, {})) most = most === null ? s.value : Math.max(most, s.value);
    return most;
  }

  counter(name: string, match: Readonly<Record<string, string>> = {}): number | null {
    return this.up ? (this.sum(name, match) ?? 0) : null;
  }

  /** A histogram's mean since start: its sum over its count; null before the first observation. */
  mean(histogram: string): number | null {
    const count = this.sum(`${histogram}_count`);
    const sum = this.sum(`${histogram}_sum`);
    return count === null || sum === null || count === 0 ? null : sum / count;
  }

  /**
   * A quantile of a histogram since start, from its buckets added over targets and labels, by
   * linear interpolation inside the bucket that holds it (as PromQL's histogram_quantile does).
   */
  quantile(histogram: string, q: number): number | null {
    const byBound = new Map<number, number>();
    for (const s of this.matching(`${histogram}_bucket`, {})) {
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    }
    const buckets = [...byBound].sort((a, b) => a[0] - b[0]);
    const total = buckets[buckets.length - 1]?.[1] ?? 0;
    if (total === 0) return null;
    const rank = q * total;
    let lower = 0;
    let below = 0;
    for (const [le, cumulative] of buckets) {
      if (cumulative >= rank) {
        if (le === Number.POSITIVE_INFINITY) return lower;
        return lower + ((le - lower) * (rank - below)) / Math.max(cumulative - below, 1e-12);
      }
      lower = le;
      below = cumulative;
    }
    return lower;
  }

  private *matching(name: string, match: Readonly<Record<string, string>>): Iterable<PromSample> {
    for (const s of this.samples) {
      if (s.name !== name) continue;
      if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) yield s;
    }
  }
}

export function collectorStatus(c: RoleSamples): Status['collector'] {
  const requests = c.counter('vantage_collector_requests_total');
  const accepted = c.counter('vantage_collector_requests_total', { status: '202' });
  return {
    requests,
    requestsAccepted: accepted,
    requestsRejected: requests === null || accepted === null ? null : requests - accepted,
    rateLimited: c.counter('vantage_collector_errors_total', { code: 'VTG_RATE_LIMITED' }),
    samplesAccepted: c.counter('vantage_collector_samples_total', { outcome: 'accepted' }),
    samplesRejected: c.counter('vantage_collector_samples_total', { outcome: 'rejected' }),
    publishSecondsAvg: c.mean('vantage_collector_kafka_publish_duration_seconds'),
    publishSecondsP99: c.quantile('vantage_collector_kafka_publish_duration_seconds', 0.99),
    publishFailures: c.counter('vantage_collector_bus_publish_failures_total'),
    bufferSamples: c.sum('vantage_collector_buffer_samples'),
    bufferRejections: c.counter('vantage_collector_buffer_rejections_total'),
  };
}

export function busStatus(kind: 'embedded' | 'kafka', w: RoleSamples): Status['bus'] {
  if (kind === 'embedded') {
    return {
      kind,
      logBytes: w.sum('vantage_worker_embedded_log_bytes'),
      backlogBytes: w.sum('vantage_worker_embedded_log_backlog_bytes'),
      consumerLagMessages: null,
    };
  }
  // The lag gauge has one series per assigned partition; a worker with none assigned shows none.
  const lag = w.sum('vantage_worker_kafka_consumer_lag_messages') ?? (w.up ? 0 : null);
  return { kind, logBytes: null, backlogBytes: null, consumerLagMessages: lag };
}

/** The breaker gauge's values, worst first when several workers disagree. */
const BREAKER_STATES = [
  [1, 'open'],
  [2, 'half-open'],
  [0, 'closed'],
] as const;

export function workerStatus(w: RoleSamples): Status['worker'] {
  const retried = w.counter('vantage_worker_database_inserts_total', { outcome: 'retry' });
  const failed = w.counter('vantage_worker_database_inserts_total', { outcome: 'failed' });
  const decode = w.counter('vantage_worker_decode_failures_total');
  const states = w.values('vantage_worker_circuit_breaker_state');
  const breaker = BREAKER_STATES.find(([value]) => states.includes(value))?.[1] ?? null;
  return {
    batchSize: w.max('vantage_worker_batch_size'),
    samplesStored: w.counter('vantage_worker_samples_stored_total'),
    insertsOk: w.counter('vantage_worker_database_inserts_total', { outcome: 'ok' }),
    insertsRetried: retried,
    insertsFailed: failed,
    decodeFailures: decode,
    deadLetters: w.counter('vantage_worker_dead_letter_total'),
    errors: retried === null || failed === null || decode === null ? null : retried + failed + decode,
    insertSecondsAvg: w.mean('vantage_worker_database_insert_duration_seconds'),
    circuitBreaker: breaker,
    lagSeconds: w.max('vantage_worker_processing_lag_seconds'),
  };
}

/**
 * The stall as the collectors report it. Every collector reads the same bus, so the worst of them
 * counts, never their sum; `since` is worked back from the seconds at the time of the scrape.
 */
export function stallStatus(kind: 'embedded' | 'kafka', c: RoleSamples, now: number): Status['stall'] {
  const backlogUnit = kind === 'embedded' ? 'bytes' : 'messages';
  const stalledSeconds = c.max('vantage_collector_pipeline_stalled_seconds');
  const stalled = stalledSeconds === null ? null : stalledSeconds > 0;
  return {
    stalled,
    since: stalled && stalledSeconds !== null ? new Date(now - stalledSeconds * 1000).toISOString() : null,
    stalledSeconds,
    backlog: c.max(`vantage_collector_pipeline_backlog_${backlogUnit}`),
    backlogUnit,
  };
}
