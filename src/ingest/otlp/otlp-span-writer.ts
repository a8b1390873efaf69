import { SPAN_KINDS, SPAN_LIMITS, VantageError } from '../../core/index.js';
import type {
  ErrorCode,
  ErrorParams,
  PointRejection,
  Span,
  SpanAttributes,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanStatus,
} from '../../core/index.js';
import { UNKNOWN_SERVICE } from './otlp-point-writer.js';

/** A span as a decoder read it off the wire: ids as hex text, times as decimal nanoseconds. */
export interface WireSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind number (0 unspecified ... 5 consumer). */
  readonly kind: number;
  readonly startUnixNano: string;
  readonly endUnixNano: string;
  /** `[key, value, key, value, ...]`, values as decoded (scalars, arrays, maps). */
  readonly attributes: readonly unknown[];
  /** OTLP's StatusCode (0 unset, 1 ok, 2 error). */
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly events: readonly WireEvent[];
  readonly links: readonly WireLink[];
}

export interface WireEvent {
  readonly timeUnixNano: string;
  readonly name: string;
  readonly attributes: readonly unknown[];
}

export interface WireLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: readonly unknown[];
}

/** What a request's spans became: those kept, and why the others were refused. */
export interface DecodedSpans {
  readonly spans: Span[];
  /** Spans refused. */
  rejected: number;
  /** The first MAX_REASONS reasons. */
  readonly rejections: PointRejection[];
  /** Every refusal counted by its code (the reasons quoted are only the first). */
  readonly rejectedByCode: Map<ErrorCode, number>;
}

/** Epoch ms bounds of an acceptable span start: the metrics' --max-sample-age and --max-future-skew. */
export interface SpanWindow {
  readonly oldestMs: number;
  readonly newestMs: number;
}

const MAX_REASONS = 20;
const SERVICE_ATTRIBUTE = 'service.name';
const STATUS: readonly SpanStatus[] = ['unset', 'ok', 'error'];
const DECIMAL = /^\d{1,20}$/;
const ZERO_ID = /^0*$/;

class SpanRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly field: string,
    params: ErrorParams = {},
  ) {
    super(new VantageError(code, { params }).message);
  }
}

/**
 * The rules both OTLP trace decoders (protobuf, JSON) follow, in one place: which resource attribute
 * names the service, how resource and span attributes merge, and what refuses a span (ids, times,
 * SPAN_LIMITS). A refused span is counted with its reason; the rest of the request is kept.
 */
export class OtlpSpanWriter {
  readonly result: DecodedSpans = { spans: [], rejected: 0, rejections: [], rejectedByCode: new Map() };
  private service = UNKNOWN_SERVICE;
  private resource: [string, string | number | boolean][] = [];

  constructor(private readonly window: SpanWindow) {}

  startResource(attributes: readonly unknown[]): void {
    this.service = UNKNOWN_SERVICE;
    this.resource = [];
    for (let i = 0; i < attributes.length; i += 2) {
      const key = attributes[i] as string;
      const value = flatten(attributes[i + 1]);
      if (key === SERVICE_ATTRIBUTE) this.service = String(value) || UNKNOWN_SERVICE;
      else this.resource.push([key, value]);
    }
  }

  /** `path`: where the span is in the request, for the refusal's field. */
  span(wire: WireSpan, path: string): void {
    try {
      this.result.spans.push(this.check(wire, path));
    } catch (err) {
      if (!(err instanceof SpanRefusal)) throw err;
      this.result.rejected++;
      this.result.rejectedByCode.set(err.code, (this.result.rejectedByCode.get(err.code) ?? 0) + 1);
      if (this.result.rejections.length < MAX_REASONS)
        this.result.rejections.push({ code: err.code, field: err.field, message: err.message });
    }
  }

  private check(w: WireSpan, path: string): Span {
    checkId(w.traceId, 16, `${path}.traceId`, 'trace id');
    checkId(w.spanId, 8, `${path}.spanId`, 'span id');
    // An all-zero parent is how some senders write "no parent".
    const parentSpanId = ZERO_ID.test(w.parentSpanId) ? '' : w.parentSpanId;
    if (parentSpanId !== '') checkId(parentSpanId, 8, `${path}.parentSpanId`, 'parent span id');
    if (w.name === '')
      throw new SpanRefusal('VTG_TRACE_INVALID_SPAN', `${path}.name`, { reason: 'The span has no name' });
    checkLength(w.name, SPAN_LIMITS.nameLength, `${path}.name`, 'name');
    const start = time(w.startUnixNano, `${path}.startTimeUnixNano`);
    const end = time(w.endUnixNano, `${path}.endTimeUnixNano`);
    // Both are decimal text without leading zeros: the shorter is the smaller, else the text decides.
    if (end.length < start.length || (end.length === start.length && end < start))
      throw new SpanRefusal('VTG_TRACE_END_BEFORE_START', `${path}.endTimeUnixNano`);
    const startMs = Number(start) / 1e6;
    if (startMs < this.window.oldestMs)
      throw new SpanRefusal('VTG_INGEST_TIMESTAMP_TOO_OLD', `${path}.startTimeUnixNano`);
    if (startMs > this.window.newestMs)
      throw new SpanRefusal('VTG_INGEST_TIMESTAMP_IN_FUTURE', `${path}.startTimeUnixNano`);
    const attributes = spanAttributes(w.attributes, this.resource, `${path}.attributes`);
    if (w.events.length > SPAN_LIMITS.events) tooMany(`${path}.events`, SPAN_LIMITS.events, 'events');
    if (w.links.length > SPAN_LIMITS.links) tooMany(`${path}.links`, SPAN_LIMITS.links, 'links');
    const events = w.events.map((e, i): SpanEvent => {
      const at = `${path}.events[${i}]`;
      checkLength(e.name, SPAN_LIMITS.nameLength, `${at}.name`, 'event name');
      return {
        timeUnixNano: time(e.timeUnixNano, `${at}.timeUnixNano`),
        name: e.name,
        attributes: spanAttributes(e.attributes, [], `${at}.attributes`),
      };
    });
    const links = w.links.map((l, i): SpanLink => {
      const at = `${path}.links[${i}]`;
      checkId(l.traceId, 16, `${at}.traceId`, 'link trace id');
      checkId(l.spanId, 8, `${at}.spanId`, 'link span id');
      return { traceId: l.traceId, spanId: l.spanId, attributes: spanAttributes(l.attributes, [], at) };
    });
    return {
      traceId: w.traceId,
      spanId: w.spanId,
      parentSpanId,
      service: this.service,
      name: w.name,
      kind: (SPAN_KINDS[w.kind] ?? 'unspecified') as SpanKind,
      startUnixNano: start,
      endUnixNano: end,
      status: STATUS[w.statusCode] ?? 'unset',
      statusMessage: w.statusMessage,
      attributes,
      events,
      links,
    };
  }
}

function checkId(hex: string, bytes: number, field: string, what: string): void {
  if (hex.length !== bytes * 2 || ZERO_ID.test(hex))
    throw new SpanRefusal('VTG_TRACE_SPAN_INVALID_ID', field, { what, bytes, hex: bytes * 2 });
}

function checkLength(text: string, limit: number, field: string, what: string): void {
  if (text.length > limit) throw new SpanRefusal('VTG_TRACE_TOO_LONG', field, { what, limit });
}

function tooMany(field: string, limit: number, what: string): never {
  throw new SpanRefusal('VTG_TRACE_TOO_MANY', field, { limit, what });
}

/** Decimal nanoseconds without leading zeros; zero is refused (OTLP's "unset"). */
function time(ns: string, field: string): string {
  const clean = ns.charCodeAt(0) === 48 ? ns.replace(/^0+/, '') : ns;
  if (clean === '' || !DECIMAL.test(ns))
    throw new SpanRefusal('VTG_TRACE_INVALID_SPAN', field, {
      reason: 'The time must be a non-zero count of nanoseconds',
    });
  return clean;
}

/** Span attributes, then the resource's where the span has none of that key; limits checked. */
function spanAttributes(
  wire: readonly unknown[],
  resource: readonly [string, string | number | boolean][],
  field: string,
): SpanAttributes {
  const out: SpanAttributes = {};
  let count = 0;
  for (let i = 0; i < wire.length; i += 2) {
    const key = wire[i] as string;
    const value = flatten(wire[i + 1]);
    checkLength(key, SPAN_LIMITS.attributeKeyLength, `${field}.${key.slice(0, 64)}`, 'attribute key');
    if (typeof value === 'string')
      checkLength(value, SPAN_LIMITS.attributeValueLength, `${field}.${key}`, 'attribute value');
    if (!Object.hasOwn(out, key)) count++;
    set(out, key, value);
  }
  for (const [key, value] of resource) {
    if (Object.hasOwn(out, key)) continue;
    if (typeof value === 'string')
      checkLength(value, SPAN_LIMITS.attributeValueLength, `resource.attributes.${key}`, 'attribute value');
    set(out, key, value);
    count++;
  }
  if (count > SPAN_LIMITS.attributes) tooMany(field, SPAN_LIMITS.attributes, 'attributes');
  return out;
}

/**
 * A plain object, not one without a prototype: V8 keeps a plain object of a dozen keys in its fast
 * layout, which JSON.stringify (the bus's encoding) walks several times faster. A key `__proto__`
 * is then defined rather than assigned, so it stays a key like any other.
 */
function set(out: SpanAttributes, key: string, value: string | number | boolean): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Scalars stay as they are; arrays and maps become their JSON text (Span's rule). */
function flatten(value: unknown): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  return JSON.stringify(value) ?? '';
}
