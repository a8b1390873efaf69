/**
 * A span as Vantage keeps it: what OTLP carries, flattened to what the stores index and the query
 * API returns. Every way in (OTLP/HTTP, OTLP/gRPC) produces these; the bus carries them in batches
 * (encodeSpanBatch, src/core/span-batch.ts); the worker writes them to a TraceStore.
 */

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export const SPAN_KINDS: readonly SpanKind[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];

/** OTLP's status codes, by name: 'unset' counts as not an error. */
export type SpanStatus = 'unset' | 'ok' | 'error';

/** Attribute values after flattening: arrays and maps become their JSON text. */
export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanEvent {
  /** Epoch nanoseconds as a decimal string: ms would lose the ordering of close events. */
  readonly timeUnixNano: string;
  readonly name: string;
  readonly attributes: SpanAttributes;
}

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: SpanAttributes;
}

export interface Span {
  /** Lower-case hex, 32 digits. */
  readonly traceId: string;
  /** Lower-case hex, 16 digits. */
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  /** The resource's service.name ('unknown_service' when absent, as OTel SDKs do). */
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKind;
  /** Epoch nanoseconds as decimal strings (64-bit: a JS number would round them). */
  readonly startUnixNano: string;
  readonly endUnixNano: string;
  readonly status: SpanStatus;
  readonly statusMessage: string;
  /** Span attributes, then the resource's (service.name excluded); the span's win on a clash. */
  readonly attributes: SpanAttributes;
  readonly events: readonly SpanEvent[];
  readonly links: readonly SpanLink[];
}

/** Limits on one span, refused with coded reasons past them (docs/operations.md lists them). */
export const SPAN_LIMITS = {
  attributes: 128,
  events: 128,
  links: 128,
  attributeKeyLength: 256,
  attributeValueLength: 4096,
  nameLength: 512,
} as const;

/*
 * Nanosecond times are decimal digit strings (the decoders write nothing else); their milliseconds
 * are the digits but the last six, read without BigInt, which the span metrics would otherwise pay
 * for three times a span.
 */
function wholeMs(ns: string): number {
  return ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
}
function subMsNanos(ns: string): number {
  return Number(ns.slice(-6));
}

/** Start in epoch ms (whole) and duration in ms (fractional), as the API reports them. */
export function spanStartMs(span: Span): number {
  return wholeMs(span.startUnixNano);
}
/** Exactly BigInt's difference divided by 1e6 for any duration under 2^53 ns (104 days). */
export function spanDurationMs(span: Span): number {
  const ms = wholeMs(span.endUnixNano) - wholeMs(span.startUnixNano);
  const ns = ms * 1e6 + (subMsNanos(span.endUnixNano) - subMsNanos(span.startUnixNano));
  return ns <= 0 ? 0 : ns / 1e6;
}
