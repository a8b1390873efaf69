import { VantageError } from '../core/index.js';
import type { Span, SpanAttributes } from '../core/index.js';

/**
 * Spans in the JSON of Jaeger's HTTP query API (what Jaeger UI and Grafana's Jaeger data source
 * read: jaeger/model/json): times in microseconds, attributes as typed key-value lists, parents
 * and links as references, one "process" per service.
 */

export interface JaegerKeyValue {
  readonly key: string;
  readonly type: 'string' | 'bool' | 'int64' | 'float64';
  readonly value: string | number | boolean;
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  readonly startTime: number;
  readonly duration: number;
  readonly tags: JaegerKeyValue[];
  readonly logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  readonly processID: string;
  readonly warnings: null;
  readonly flags: number;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: JaegerSpan[];
  readonly processes: Record<string, { serviceName: string; tags: JaegerKeyValue[] }>;
  readonly warnings: null;
}

/** Jaeger's response envelope, for every route of its API. */
export function jaegerEnvelope<T>(data: T[]): {
  data: T[];
  total: number;
  limit: number;
  offset: number;
  errors: null;
} {
  return { data, total: data.length, limit: 0, offset: 0, errors: null };
}

function keyValues(attributes: SpanAttributes): JaegerKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => {
    if (typeof value === 'boolean') return { key, type: 'bool', value };
    if (typeof value === 'number') return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
    return { key, type: 'string', value };
  });
}

function micros(nanoText: string): number {
  return Number(BigInt(nanoText) / 1000n);
}

/**
 * Namespaces of OpenTelemetry's resource semantic conventions: what describes the process that
 * emitted a span rather than the span. Our spans keep the resource's attributes merged into the
 * span's (src/core/span.ts), so these keys are how Jaeger's process tags are told apart again.
 */
const RESOURCE_NAMESPACES = [
  'service.',
  'telemetry.',
  'host.',
  'os.',
  'process.',
  'container.',
  'k8s.',
  'cloud.',
  'deployment.',
  'device.',
  'webengine.',
  'browser.',
  'aws.ecs.',
  'aws.eks.',
  'aws.log.',
  'gcp.',
  'heroku.',
];

function isResourceKey(key: string): boolean {
  return RESOURCE_NAMESPACES.some((ns) => key.startsWith(ns));
}

/** A span's attributes split into its process's (resource) and its own. */
function splitAttributes(attributes: SpanAttributes): { process: SpanAttributes; own: SpanAttributes } {
  const process: SpanAttributes = {};
  const own: SpanAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (isResourceKey(key)) process[key] = value;
    else own[key] = value;
  }
  return { process, own };
}

/**
 * One trace's spans (all of one trace id) as Jaeger's trace. A process is a service with its
 * resource attributes (one per distinct set: two instances of a service are two processes, as
 * Jaeger shows them); those attributes are the process's tags, not repeated on each span.
 */
export function toJaegerTrace(traceId: string, spans: readonly Span[]): JaegerTrace {
  const processes: JaegerTrace['processes'] = {};
  const processOf = new Map<string, string>();
  const split = spans.map((s) => {
    const { process, own } = splitAttributes(s.attributes);
    const tags = keyValues(process).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const key = JSON.stringify([s.service, tags]);
    let id = processOf.get(key);
    if (id === undefined) {
      id = `p${processOf.size + 1}`;
      processOf.set(key, id);
      processes[id] = { serviceName: s.service, tags };
    }
    return { processID: id, own };
  });
  return {
    traceID: traceId,
    spans: spans.map((s, i) => {
      const tags = keyValues(split[i]?.own ?? s.attributes);
      if (s.kind !== 'unspecified') tags.push({ key: 'span.kind', type: 'string', value: s.kind });
      if (s.status !== 'unset')
        tags.push({ key: 'otel.status_code', type: 'string', value: s.status.toUpperCase() });
      if (s.statusMessage !== '')
        tags.push({ key: 'otel.status_description', type: 'string', value: s.statusMessage });
      // Jaeger UI and Grafana mark a span failed by this tag.
      if (s.status === 'error') tags.push({ key: 'error', type: 'bool', value: true });
      const start = micros(s.startUnixNano);
      return {
        traceID: traceId,
        spanID: s.spanId,
        operationName: s.name,
        references: [
          ...(s.parentSpanId !== ''
            ? [{ refType: 'CHILD_OF' as const, traceID: traceId, spanID: s.parentSpanId }]
            : []),
          ...s.links.map((l) => ({ refType: 'FOLLOWS_FROM' as const, traceID: l.traceId, spanID: l.spanId })),
        ],
        startTime: start,
        duration: Math.max(0, micros(s.endUnixNano) - start),
        tags,
        logs: s.events.map((e) => ({
          timestamp: micros(e.timeUnixNano),
          fields: [{ key: 'event', type: 'string' as const, value: e.name }, ...keyValues(e.attributes)],
        })),
        processID: split[i]?.processID ?? 'p1',
        warnings: null,
        flags: 1,
      };
    }),
    processes,
    warnings: null,
  };
}

const GO_DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration ("1.5s", "200ms", "1m30s") in ms, as Jaeger's minDuration and maxDuration are. */
export function parseGoDuration(text: string, field: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)
    ? [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)]
    : [];
  if (parts.length === 0)
    throw new VantageError('VTG_TRACE_INVALID_DURATION', { params: { value: text }, field });
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * (GO_DURATION_UNIT_MS[unit ?? 'ms'] ?? 1), 0);
}
