import { TRACES_SIGNAL, readJsonExport } from './otlp-envelope.js';
import {
  OtlpJsonError,
  asIs,
  attributes,
  enumeration,
  get,
  hexId,
  list,
  object,
  text,
} from './otlp-json-fields.js';
import { OtlpSpanWriter } from './otlp-span-writer.js';
import type { DecodedSpans, SpanWindow, WireSpan } from './otlp-span-writer.js';

/**
 * OTLP/JSON traces (ids as hex, 64-bit times as decimal strings or numbers, enums as integers or
 * their names; snake_case keys accepted as the proto3 JSON rules allow) into the same spans, through
 * the same OtlpSpanWriter, as the protobuf decoder.
 */
export function decodeTracesJson(body: unknown, window: SpanWindow): DecodedSpans {
  const writer = new OtlpSpanWriter(window);
  readJsonExport(body, TRACES_SIGNAL, writer, (s, path) => writer.span(span(s, path), path));
  return writer.result;
}

const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function span(s: Record<string, unknown>, path: string): WireSpan {
  const status = object(s.status, `${path}.status`);
  const events: WireSpan['events'][number][] = [];
  list(s.events, `${path}.events`, (e, at) =>
    events.push({
      timeUnixNano: nanos(get(e, 'timeUnixNano', 'time_unix_nano'), `${at}.timeUnixNano`),
      name: e.name === undefined ? '' : text(e.name, `${at}.name`),
      attributes: attributes(e.attributes, `${at}.attributes`, asIs),
    }),
  );
  const links: WireSpan['links'][number][] = [];
  list(s.links, `${path}.links`, (l, at) =>
    links.push({
      traceId: hexId(get(l, 'traceId', 'trace_id'), `${at}.traceId`),
      spanId: hexId(get(l, 'spanId', 'span_id'), `${at}.spanId`),
      attributes: attributes(l.attributes, `${at}.attributes`, asIs),
    }),
  );
  return {
    traceId: hexId(get(s, 'traceId', 'trace_id'), `${path}.traceId`),
    spanId: hexId(get(s, 'spanId', 'span_id'), `${path}.spanId`),
    parentSpanId: hexId(get(s, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`),
    name: s.name === undefined ? '' : text(s.name, `${path}.name`),
    kind: enumeration(s.kind, KIND_NAMES, `${path}.kind`),
    startUnixNano: nanos(get(s, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
    endUnixNano: nanos(get(s, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`),
    attributes: attributes(s.attributes, `${path}.attributes`, asIs),
    statusCode: status === undefined ? 0 : enumeration(status.code, STATUS_NAMES, `${path}.status.code`),
    statusMessage:
      status?.message === undefined || status.message === null
        ? ''
        : text(status.message, `${path}.status.message`),
    events,
    links,
  };
}

/** A uint64 of nanoseconds as exact decimal text: a string as sent, or a number (exact to 2^53). */
function nanos(value: unknown, path: string): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value).toString();
  throw new OtlpJsonError('expected an unsigned integer (a number or decimal text)', path);
}
