import { ProtobufReader, WIRE_LENGTH_DELIMITED } from '../../core/index.js';
import { OtlpJsonError, asIs, attributes, get, list, object } from './otlp-json-fields.js';
import type { Json } from './otlp-json-fields.js';
import { keyAndValue } from './otlp-protobuf-fields.js';

/*
 * The envelope every OTLP export shares, read in one place for metrics and traces, protobuf and
 * JSON: Export{Metrics,Trace}ServiceRequest holds Resource{Metrics,Spans} (field 1); each holds
 * its resource (field 1, whose attributes are field 1) and its scopes (field 2); each
 * Scope{Metrics,Spans} holds its metrics or spans (field 2). The scope itself (name, version)
 * names the instrumentation library, not a series or a span: it is not read. Field numbers from
 * opentelemetry-proto (collector/*, resource/v1/resource.proto, common/v1/common.proto).
 */

/** A signal's names for the envelope's levels (OTLP/JSON's keys), which refusals' paths use. */
export interface OtlpSignal {
  readonly resources: string;
  readonly resourcesSnake: string;
  readonly scopes: string;
  readonly scopesSnake: string;
  readonly items: string;
}

export const METRICS_SIGNAL: OtlpSignal = {
  resources: 'resourceMetrics',
  resourcesSnake: 'resource_metrics',
  scopes: 'scopeMetrics',
  scopesSnake: 'scope_metrics',
  items: 'metrics',
};

export const TRACES_SIGNAL: OtlpSignal = {
  resources: 'resourceSpans',
  resourcesSnake: 'resource_spans',
  scopes: 'scopeSpans',
  scopesSnake: 'scope_spans',
  items: 'spans',
};

/**
 * Where a resource's attributes go: the flat `[key, value, ...]` list, values as AnyValue gave
 * them (the point writer makes text of them, the span writer keeps them).
 */
export interface ResourceSink {
  startResource(attributes: readonly unknown[]): void;
}

/**
 * Reads an export in protobuf: each resource's attributes to `sink`, then each of its metrics or
 * spans to `item` with its path (`resourceSpans[0].scopeSpans[1].spans[2]`). Throws ProtobufError
 * on bytes that are not one.
 */
export function readProtobufExport(
  body: Uint8Array,
  signal: OtlpSignal,
  sink: ResourceSink,
  item: (r: ProtobufReader, path: string) => void,
): void {
  const r = new ProtobufReader(body);
  let index = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag >>> 3 === 1)
      protobufResource(r.messageField(tag), `${signal.resources}[${index++}]`, signal, sink, item);
    else r.skip(tag & 7);
  }
}

/**
 * One Resource{Metrics,Spans}. The resource is read first wherever it sits in the bytes, so that
 * its items are read knowing it: the scopes are noted as [start, end) pairs on the way.
 */
function protobufResource(
  r: ProtobufReader,
  path: string,
  signal: OtlpSignal,
  sink: ResourceSink,
  item: (r: ProtobufReader, path: string) => void,
): void {
  const attributes: unknown[] = [];
  const scopes: number[] = [];
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      const resource = r.messageField(tag);
      while (!resource.done) {
        const t = resource.tag();
        if (t >>> 3 === 1) attributes.push(...keyAndValue(resource.messageField(t), 0));
        else resource.skip(t & 7);
      }
    } else if (field === 2) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      const { start, end } = r.delimited();
      scopes.push(start, end);
    } else r.skip(tag & 7);
  }
  sink.startResource(attributes);
  for (let s = 0; s < scopes.length; s += 2) {
    const scope = r.sub(scopes[s] as number, scopes[s + 1] as number);
    const at = `${path}.${signal.scopes}[${s / 2}].${signal.items}`;
    let index = 0;
    while (!scope.done) {
      const tag = scope.tag();
      if (tag >>> 3 === 2) item(scope.messageField(tag), `${at}[${index++}]`);
      else scope.skip(tag & 7);
    }
  }
}

/**
 * Reads a parsed OTLP/JSON export as readProtobufExport does (snake_case keys accepted, as the
 * proto3 JSON rules allow). Throws OtlpJsonError on a value of the wrong shape.
 */
export function readJsonExport(
  body: unknown,
  signal: OtlpSignal,
  sink: ResourceSink,
  item: (item: Json, path: string) => void,
): void {
  const request = object(body, '$');
  if (request === undefined) throw new OtlpJsonError('the body must be an object', '$');
  list(get(request, signal.resources, signal.resourcesSnake), signal.resources, (rs, path) => {
    const resource = object(rs.resource, `${path}.resource`);
    sink.startResource(attributes(resource?.attributes, `${path}.resource.attributes`, asIs));
    list(get(rs, signal.scopes, signal.scopesSnake), `${path}.${signal.scopes}`, (scope, scopePath) => {
      list(scope[signal.items], `${scopePath}.${signal.items}`, item);
    });
  });
}
