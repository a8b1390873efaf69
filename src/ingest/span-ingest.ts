import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { PointRejection, VantageError } from '../core/index.js';
import type { PointIngest } from './point-ingest.js';
import type { DecodedSpans, SpanWindow } from './otlp/otlp-span-writer.js';
import type { SpanPublisher } from './span-publisher.js';
import { spanMetricColumns } from './span-metrics.js';

/** What became of a request's spans. */
export interface SpanIngestResult {
  /** Spans accepted: durable on the spans bus when submit resolves. */
  readonly accepted: number;
  readonly rejected: number;
  /** The first reasons: code, field, message. */
  readonly rejections: readonly PointRejection[];
}

export interface SpanIngestMetrics {
  readonly spans: Counter<'outcome'>;
  readonly bufferSpans: Gauge;
  /** Span metrics the point pipeline did not take (overloaded, bus down): counted, never answered. */
  readonly spanMetricFailures: Counter<'code'>;
}

export function createSpanIngestMetrics(registry: Registry): SpanIngestMetrics {
  return {
    spans: new Counter({
      name: 'vantage_collector_spans_total',
      help: 'Spans received, by outcome (accepted: durable on the spans bus; rejected: refused with a code)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    bufferSpans: new Gauge({
      name: 'vantage_collector_span_buffer_spans',
      help: 'Spans accepted and waiting to be durable on the spans bus (bounded by --span-buffer-max)',
      registers: [registry],
    }),
    spanMetricFailures: new Counter({
      name: 'vantage_collector_span_metric_failures_total',
      help: 'Requests whose span metrics (span_calls_total, span_duration_ms) the point pipeline refused, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}

export interface SpanIngestOptions {
  readonly publisher: SpanPublisher;
  /** The collector's point pipeline: span metrics go through it like any OTLP metric. */
  readonly points: PointIngest;
  readonly metrics: SpanIngestMetrics;
  /** --max-sample-age and --max-future-skew: spans start inside the window metrics accept. */
  readonly maxSampleAgeMs: number;
  readonly maxFutureSkewMs: number;
  readonly logger: Logger;
  /** Counts each span refusal by code, beside the collector's other refusals. */
  readonly countError: (code: string, n: number) => void;
}

/**
 * The collector's way in for spans, whatever carried them: the decoded spans go to the spans bus
 * (group commit), and once they are durable, their span metrics go into the point pipeline. In that
 * order so that a request refused for want of the bus (503, the sender retries) has counted nothing;
 * a failure of the metrics after the spans are durable is counted and logged, and the request still
 * succeeds: its spans are kept, and a retry would count its metrics twice.
 */
export class SpanIngest {
  constructor(private readonly options: SpanIngestOptions) {}

  window(now: number): SpanWindow {
    return { oldestMs: now - this.options.maxSampleAgeMs, newestMs: now + this.options.maxFutureSkewMs };
  }

  async submit(decoded: DecodedSpans, now: number): Promise<SpanIngestResult> {
    const { metrics, publisher } = this.options;
    const result = {
      accepted: decoded.spans.length,
      rejected: decoded.rejected,
      rejections: decoded.rejections,
    };
    if (decoded.rejected > 0) {
      metrics.spans.inc({ outcome: 'rejected' }, decoded.rejected);
      for (const [code, n] of decoded.rejectedByCode) this.options.countError(code, n);
    }
    if (decoded.spans.length === 0) return result;
    const waiting = publisher.submit(decoded.spans);
    metrics.bufferSpans.set(publisher.pending);
    try {
      await waiting;
    } finally {
      metrics.bufferSpans.set(publisher.pending);
    }
    metrics.spans.inc({ outcome: 'accepted' }, decoded.spans.length);
    try {
      await this.options.points.submit(spanMetricColumns(decoded.spans), now);
    } catch (err) {
      const code = (err as Partial<VantageError>).code ?? 'VTG_SERVER_INTERNAL_ERROR';
      metrics.spanMetricFailures.inc({ code });
      this.options.logger.warn({ err, code }, 'span metrics not recorded; the spans are kept');
    }
    return result;
  }
}
