import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { parseTimePoint, spanDurationMs, spanStartMs, VantageError } from '../core/index.js';
import type { TraceSearch, TraceStore } from '../storage/index.js';

/** Traces a search returns at most (the bound: a page the waterfall list can show). */
export const MAX_TRACE_SEARCH_LIMIT = 1_000;

const TraceSearchQuery = Type.Object({
  service: Type.Optional(Type.String({ minLength: 1 })),
  operation: Type.Optional(Type.String({ minLength: 1 })),
  min_duration: Type.Optional(Type.Number({ minimum: 0, description: 'ms, on one span' })),
  max_duration: Type.Optional(Type.Number({ minimum: 0, description: 'ms, on one span' })),
  status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error')])),
  tags: Type.Optional(
    Type.Array(Type.String(), { description: 'key:value, repeatable; all on one span', maxItems: 32 }),
  ),
  from: Type.Optional(Type.String({ description: 'Epoch ms, RFC 3339, now or relative; default -1h' })),
  to: Type.Optional(Type.String({ description: 'As `from`; default now; exclusive' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TRACE_SEARCH_LIMIT, default: 20 })),
});

const TraceSummaryItem = Type.Object({
  traceId: Type.String(),
  rootService: Type.String(),
  rootOperation: Type.String(),
  start: Type.Number({ description: 'Epoch ms' }),
  durationMs: Type.Number(),
  spanCount: Type.Integer(),
  errorCount: Type.Integer(),
  services: Type.Array(Type.String()),
});

const Attributes = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

const SpanItem = Type.Object({
  spanId: Type.String(),
  parentSpanId: Type.String({ description: "'' for a root span" }),
  service: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  start: Type.Number({ description: 'Epoch ms' }),
  startUnixNano: Type.String({ description: 'Exact start, epoch ns' }),
  durationMs: Type.Number(),
  status: Type.String({ description: 'unset, ok or error' }),
  statusMessage: Type.String(),
  attributes: Attributes,
  events: Type.Array(
    Type.Object({ timeUnixNano: Type.String(), name: Type.String(), attributes: Attributes }),
  ),
  links: Type.Array(Type.Object({ traceId: Type.String(), spanId: Type.String(), attributes: Attributes })),
});

const ServiceMapQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'Epoch ms, RFC 3339, now or relative; default -1h' })),
  to: Type.Optional(Type.String({ description: 'As `from`; default now; exclusive' })),
});

export interface TraceRouteOptions {
  readonly traces: TraceStore;
  readonly clock: () => number;
}

/**
 * `GET /v1/traces`, `GET /v1/traces/{traceId}` and `GET /v1/service-map`: trace search, one trace,
 * and the calls between services. What a search matches is trace-rules.ts's rule, the same in
 * both stores.
 */
export const traceRoutes: FastifyPluginAsync<TraceRouteOptions> = async (app, { traces, clock }) => {
  app.get<{ Querystring: Static<typeof TraceSearchQuery> }>(
    '/v1/traces',
    {
      schema: {
        summary: 'Traces having a span that meets every condition, newest first',
        querystring: TraceSearchQuery,
        response: { 200: Type.Object({ traces: Type.Array(TraceSummaryItem) }) },
      },
    },
    async (request) => ({ traces: await traces.searchTraces(searchOf(request.query, clock())) }),
  );

  app.get<{ Params: { traceId: string } }>(
    '/v1/traces/:traceId',
    {
      schema: {
        summary: "A trace's spans, by start time",
        params: Type.Object({ traceId: Type.String() }),
        response: { 200: Type.Object({ traceId: Type.String(), spans: Type.Array(SpanItem) }) },
      },
    },
    async (request) => {
      const traceId = normalizeTraceId(request.params.traceId);
      const spans = await traces.trace(traceId);
      if (spans.length === 0) throw new VantageError('VTG_TRACE_NOT_FOUND', { params: { traceId } });
      return {
        traceId,
        spans: spans.map((s) => ({
          spanId: s.spanId,
          parentSpanId: s.parentSpanId,
          service: s.service,
          name: s.name,
          kind: s.kind,
          start: spanStartMs(s),
          startUnixNano: s.startUnixNano,
          durationMs: spanDurationMs(s),
          status: s.status,
          statusMessage: s.statusMessage,
          attributes: s.attributes,
          events: [...s.events],
          links: [...s.links],
        })),
      };
    },
  );

  app.get<{ Querystring: Static<typeof ServiceMapQuery> }>(
    '/v1/service-map',
    {
      schema: {
        summary: 'Services and the calls between them, from parent-child spans across services',
        querystring: ServiceMapQuery,
        response: {
          200: Type.Object({
            services: Type.Array(Type.String()),
            calls: Type.Array(
              Type.Object({
                parent: Type.String(),
                child: Type.String(),
                calls: Type.Integer(),
                errors: Type.Integer(),
                p95Ms: Type.Number(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { from, to } = timeRange(request.query.from, request.query.to, clock());
      const calls = await traces.serviceCalls(from, to);
      const services = [...new Set(calls.flatMap((c) => [c.parent, c.child]))].sort();
      return { services, calls };
    },
  );
};

/** The search a `GET /v1/traces` query asks for (Jaeger's query has its own, in jaeger-routes.ts). */
function searchOf(q: Static<typeof TraceSearchQuery>, now: number): TraceSearch {
  return {
    ...timeRange(q.from, q.to, now),
    limit: q.limit ?? 20,
    ...(q.service !== undefined ? { service: q.service } : {}),
    ...(q.operation !== undefined ? { operation: q.operation } : {}),
    ...(q.min_duration !== undefined ? { minDurationMs: q.min_duration } : {}),
    ...(q.max_duration !== undefined ? { maxDurationMs: q.max_duration } : {}),
    ...(q.status !== undefined ? { status: q.status } : {}),
    ...(q.tags !== undefined ? { tags: parseTags(q.tags) } : {}),
  };
}

/** [from, to) in epoch ms from the query's texts; default the last hour. */
export function timeRange(
  fromText: string | undefined,
  toText: string | undefined,
  now: number,
): { from: number; to: number } {
  const to = timePoint(toText ?? 'now', 'to', now);
  const from = timePoint(fromText ?? '-1h', 'from', now);
  if (from >= to) {
    throw new VantageError('VTG_QUERY_INVALID_RANGE', {
      params: { reason: '"from" must be before "to"' },
      field: 'from',
    });
  }
  return { from, to };
}

function timePoint(text: string, field: string, now: number): number {
  const t = parseTimePoint(text, now);
  if (t === undefined) throw new VantageError('VTG_QUERY_INVALID_TIME', { params: { value: text }, field });
  return t;
}

/** Lower-case, 32 digits: Jaeger and some tools drop leading zeros. */
export function normalizeTraceId(text: string): string {
  if (!/^[0-9a-fA-F]{1,32}$/.test(text))
    throw new VantageError('VTG_TRACE_INVALID_ID', { params: { value: text }, field: 'traceId' });
  return text.toLowerCase().padStart(32, '0');
}

/** A tag key the stores can put in a JSON path safely. */
export function checkTagKey(key: string, shown: string): void {
  if (key === '' || /["\\]/.test(key) || key.length > 256) {
    throw new VantageError('VTG_TRACE_INVALID_TAG', {
      params: { value: shown, reason: 'the key must be 1-256 characters without " or \\' },
      field: 'tags',
    });
  }
}

/**
 * `key:value` tags, as this API and Jaeger's (`tag=`) take them; `field` is the query parameter a
 * refusal names.
 */
export function parseTags(list: readonly string[], field = 'tags'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of list) {
    const at = text.indexOf(':');
    if (at <= 0) {
      throw new VantageError('VTG_TRACE_INVALID_TAG', {
        params: { value: text, reason: 'write it key:value' },
        field,
      });
    }
    const key = text.slice(0, at);
    checkTagKey(key, text);
    out[key] = text.slice(at + 1);
  }
  return out;
}
