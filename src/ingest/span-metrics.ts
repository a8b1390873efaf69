import {
  METRIC_LIMITS,
  PointColumns,
  SPAN_METRICS,
  SPAN_METRIC_TAGS,
  spanDurationMs,
  spanStartMs,
} from '../core/index.js';
import type { Span } from '../core/index.js';
import { sanitizeService } from './otlp/otlp-point-writer.js';

export const SPAN_CALLS_METRIC = SPAN_METRICS.calls;
export const SPAN_DURATION_METRIC = SPAN_METRICS.duration;

interface SeriesMinute {
  readonly calls: number;
  readonly duration: number;
  /** The span its exemplar links to: the slowest failed one, else the slowest. */
  best: Span | undefined;
  bestMs: number;
  bestFailed: boolean;
  minuteStart: number;
  /** Spans of the series-minute, and the latest start among them (epoch ms). */
  spans: number;
  latestMs: number;
}

/**
 * A request's spans as points of two ordinary metrics of their services, for the collector's point
 * pipeline: `span_calls_total` (a delta counter: one point per series-minute of the request, its
 * spans' count, at the latest start among them) and `span_duration_ms` (a gauge: one point per
 * span, its duration at its start, so percentiles come from its sketch), tagged `operation` (the
 * span's name), `span_kind` and `status_code` (unset, ok, error). Counting per series-minute, not
 * per span, halves the points the pipeline validates and folds, and stores the same: the minute is
 * the finest tier and a counter's rate is its sum (its `count`, the points, is what changes). Each
 * series-minute of the request gets one exemplar on both metrics, linking to its slowest failed
 * span, else its slowest: the span worth opening from a chart. The exemplar rule
 * (src/core/exemplar.ts) then keeps the latest few per series-minute across requests.
 */
export function spanMetricColumns(spans: readonly Span[]): PointColumns {
  const columns = new PointColumns();
  const series = new Map<string, SeriesMinute>();
  const minutes = new Map<string, SeriesMinute>();
  for (const span of spans) {
    const service = sanitizeService(span.service);
    const operation = span.name.slice(0, METRIC_LIMITS.tagValueMaxLength);
    const key = `${service}\u0000${operation}\u0000${span.kind}\u0000${span.status}`;
    let s = series.get(key);
    if (s === undefined) {
      const labels = [
        SPAN_METRIC_TAGS.operation,
        operation,
        SPAN_METRIC_TAGS.kind,
        span.kind,
        SPAN_METRIC_TAGS.status,
        span.status,
      ];
      const field = `${service}/${operation}`;
      s = {
        calls: columns.addSeries(service, SPAN_CALLS_METRIC, 'delta', labels, field),
        duration: columns.addSeries(service, SPAN_DURATION_METRIC, 'gauge', labels, field),
        best: undefined,
        bestMs: 0,
        bestFailed: false,
        minuteStart: 0,
        spans: 0,
        latestMs: 0,
      };
      series.set(key, s);
    }
    const startMs = spanStartMs(span);
    // Never negative: the span writer refuses an end before the start.
    const durationMs = spanDurationMs(span);
    columns.addPoint(s.duration, startMs, durationMs);
    const minuteStart = startMs - (startMs % 60_000);
    const minuteKey = `${key}\u0000${minuteStart}`;
    let m = minutes.get(minuteKey);
    if (m === undefined) {
      m = { ...s, best: undefined, bestMs: -1, bestFailed: false, minuteStart, spans: 0, latestMs: startMs };
      minutes.set(minuteKey, m);
    }
    m.spans++;
    if (startMs > m.latestMs) m.latestMs = startMs;
    const failed = span.status === 'error';
    if ((failed && !m.bestFailed) || (failed === m.bestFailed && durationMs > m.bestMs)) {
      m.best = span;
      m.bestMs = durationMs;
      m.bestFailed = failed;
    }
  }
  for (const m of minutes.values()) {
    columns.addPoint(m.calls, m.latestMs, m.spans);
    const span = m.best as Span;
    const t = spanStartMs(span);
    columns.addExemplar(m.calls, t, 1, span.traceId, span.spanId);
    columns.addExemplar(m.duration, t, m.bestMs, span.traceId, span.spanId);
  }
  return columns;
}
