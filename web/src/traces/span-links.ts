import { hrefWith } from '../app/router';
import type { TraceSpanItem } from '../api/types';

/** How far around a span its service's metrics are shown: minutes are the charts' smallest step. */
const AROUND_MS = 15 * 60_000;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The span's service view over the half hour around it (an absolute window, so the link keeps). */
export function serviceViewAt(span: Pick<TraceSpanItem, 'service' | 'start' | 'durationMs'>): string {
  const from = Math.floor((span.start - AROUND_MS) / 60_000) * 60_000;
  const to = Math.ceil((span.start + span.durationMs + AROUND_MS) / 60_000) * 60_000;
  return hrefWith(`/services/${encodeURIComponent(span.service)}`, { from: iso(from), to: iso(to) });
}

/** An event's time after its span's start, in ms (events carry epoch ns as text). */
export function eventOffsetMs(span: Pick<TraceSpanItem, 'start'>, timeUnixNano: string): number {
  try {
    return Number(BigInt(timeUnixNano) - BigInt(Math.round(span.start)) * 1_000_000n) / 1e6;
  } catch {
    return NaN; // not a decimal integer: the API promises one, but a bad one must not break the view
  }
}

export interface SpanError {
  readonly title: string;
  readonly message?: string;
  readonly stack?: string;
}

/**
 * What went wrong in a span: its error status (with the status' message) and each exception event,
 * with OpenTelemetry's semantic attributes (exception.type, .message, .stacktrace).
 */
export function spanErrors(span: TraceSpanItem): SpanError[] {
  const errors: SpanError[] = [];
  for (const e of span.events) {
    if (e.name !== 'exception') continue;
    const text = (key: string): string | undefined => {
      const v = e.attributes[key];
      return v === undefined ? undefined : String(v);
    };
    const message = text('exception.message');
    const stack = text('exception.stacktrace');
    errors.push({
      title: text('exception.type') ?? 'exception',
      ...(message !== undefined ? { message } : {}),
      ...(stack !== undefined ? { stack } : {}),
    });
  }
  if (span.status === 'error' && (errors.length === 0 || span.statusMessage)) {
    errors.unshift({
      title: 'Status: error',
      ...(span.statusMessage ? { message: span.statusMessage } : {}),
    });
  }
  return errors;
}

/** The span's service's chart link as the trace view's header shows it for the root. */
export function traceServiceLinks(spans: readonly TraceSpanItem[]): { service: string; href: string }[] {
  const byService = new Map<string, { start: number; end: number }>();
  for (const s of spans) {
    const seen = byService.get(s.service);
    const end = s.start + s.durationMs;
    byService.set(
      s.service,
      seen ? { start: Math.min(seen.start, s.start), end: Math.max(seen.end, end) } : { start: s.start, end },
    );
  }
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, { start, end }]) => ({
      service,
      href: serviceViewAt({ service, start, durationMs: end - start }),
    }));
}
