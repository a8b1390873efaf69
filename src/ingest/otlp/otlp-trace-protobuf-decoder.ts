import type { ProtobufReader } from '../../core/index.js';
import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '../../core/index.js';
import { TRACES_SIGNAL, readProtobufExport } from './otlp-envelope.js';
import { keyAndValue } from './otlp-protobuf-fields.js';
import { OtlpSpanWriter } from './otlp-span-writer.js';
import type { DecodedSpans, SpanWindow, WireEvent, WireLink, WireSpan } from './otlp-span-writer.js';

/*
 * opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest into spans. Field numbers from
 * opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto).
 * A span becomes one object anyway (the bus carries Span objects), so fields are read in one pass.
 */

/** Decodes an ExportTraceServiceRequest; throws ProtobufError on bytes that are not one. */
export function decodeTracesProtobuf(body: Uint8Array, window: SpanWindow): DecodedSpans {
  const writer = new OtlpSpanWriter(window);
  readProtobufExport(body, TRACES_SIGNAL, writer, (r, path) => writer.span(span(r), path));
  return writer.result;
}

/**
 * Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, start 7, end 8, attributes 9,
 * events 11, links 13, status 15 (message 2, code 3).
 */
function span(r: ProtobufReader): WireSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let startUnixNano = '0';
  let endUnixNano = '0';
  const attributes: unknown[] = [];
  let statusCode = 0;
  let statusMessage = '';
  const events: WireEvent[] = [];
  const links: WireLink[] = [];
  while (!r.done) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        traceId = hex(r, tag);
        break;
      case 2:
        spanId = hex(r, tag);
        break;
      case 4:
        parentSpanId = hex(r, tag);
        break;
      case 5:
        name = r.stringField(tag);
        break;
      case 6:
        r.expectWire(tag, WIRE_VARINT);
        kind = r.uint32();
        break;
      case 7:
        r.expectWire(tag, WIRE_FIXED64);
        startUnixNano = r.fixed64Decimal();
        break;
      case 8:
        r.expectWire(tag, WIRE_FIXED64);
        endUnixNano = r.fixed64Decimal();
        break;
      case 9:
        attributes.push(...keyAndValue(r.messageField(tag), 0));
        break;
      case 11:
        events.push(event(r.messageField(tag)));
        break;
      case 13:
        links.push(link(r.messageField(tag)));
        break;
      case 15: {
        const status = r.messageField(tag);
        while (!status.done) {
          const t = status.tag();
          if (t >>> 3 === 2) {
            statusMessage = status.stringField(t);
          } else if (t >>> 3 === 3) {
            status.expectWire(t, WIRE_VARINT);
            statusCode = status.uint32();
          } else status.skip(t & 7);
        }
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    name,
    kind,
    startUnixNano,
    endUnixNano,
    attributes,
    statusCode,
    statusMessage,
    events,
    links,
  };
}

/** Event: time_unix_nano 1, name 2, attributes 3. */
function event(r: ProtobufReader): WireEvent {
  let timeUnixNano = '0';
  let name = '';
  const attributes: unknown[] = [];
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      r.expectWire(tag, WIRE_FIXED64);
      timeUnixNano = r.fixed64Decimal();
    } else if (field === 2) {
      name = r.stringField(tag);
    } else if (field === 3) {
      attributes.push(...keyAndValue(r.messageField(tag), 0));
    } else r.skip(tag & 7);
  }
  return { timeUnixNano, name, attributes };
}

/** Link: trace_id 1, span_id 2, attributes 4. */
function link(r: ProtobufReader): WireLink {
  let traceId = '';
  let spanId = '';
  const attributes: unknown[] = [];
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) traceId = hex(r, tag);
    else if (field === 2) spanId = hex(r, tag);
    else if (field === 4) {
      attributes.push(...keyAndValue(r.messageField(tag), 0));
    } else r.skip(tag & 7);
  }
  return { traceId, spanId, attributes };
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** An id's bytes as lower-case hex: a table per byte, cheaper for 8 and 16 bytes than a Buffer each. */
function hex(r: ProtobufReader, tag: number): string {
  r.expectWire(tag, WIRE_LENGTH_DELIMITED);
  const { start, end } = r.delimited();
  let out = '';
  for (let i = start; i < end; i++) out += HEX_BYTE[r.buf[i] as number] as string;
  return out;
}
