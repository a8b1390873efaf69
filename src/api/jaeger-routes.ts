import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { VantageError } from '../core/index.js';
import type { Span } from '../core/index.js';
import type { TraceSearch, TraceStore } from '../storage/index.js';
import { jaegerEnvelope, parseGoDuration, toJaegerTrace } from './jaeger-format.js';
import { MAX_TRACE_SEARCH_LIMIT, checkTagKey, normalizeTraceId, parseTags } from './trace-routes.js';

/** Traces read from the store at once when a search returns whole traces. */
const TRACE_READS_IN_FLIGHT = 8;

const JaegerSearchQuery = Type.Object({
  service: Type.Optional(Type.String()),
  operation: Type.Optional(Type.String()),
  tags: Type.Optional(Type.String({ description: 'A JSON object of tag values, {"http.method":"GET"}' })),
  tag: Type.Optional(Type.Array(Type.String(), { description: 'key:value, repeatable', maxItems: 32 })),
  minDuration: Type.Optional(Type.String({ description: 'Go duration: 1.5s, 200ms' })),
  maxDuration: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TRACE_SEARCH_LIMIT })),
  start: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch µs' })),
  end: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch µs' })),
  lookback: Type.Optional(Type.String({ description: "Go duration, or 'custom' (start and end)" })),
  traceID: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_TRACE_SEARCH_LIMIT })),
});

export interface JaegerRouteOptions {
  readonly traces: TraceStore;
  readonly clock: () => number;
}

/**
 * The part of Jaeger's HTTP query API (jaeger-query's /api) that Jaeger UI and Grafana's Jaeger
 * data source call, so both work against Vantage unchanged, behind the same API keys as /v1.
 */
export const jaegerRoutes: FastifyPluginAsync<JaegerRouteOptions> = async (app, { traces, clock }) => {
  const tags = ['jaeger'];

  app.get('/api/services', { schema: { tags, summary: 'Jaeger: services that sent spans' } }, async () =>
    jaegerEnvelope(await traces.traceServices()),
  );

  app.get<{ Params: { service: string } }>(
    '/api/services/:service/operations',
    {
      schema: {
        tags,
        summary: "Jaeger: a service's operations",
        params: Type.Object({ service: Type.String() }),
      },
    },
    async (request) => jaegerEnvelope(await traces.operations(request.params.service)),
  );

  // Jaeger UI's newer call: operations with their span kind (which Vantage does not index).
  app.get<{ Querystring: { service: string } }>(
    '/api/operations',
    {
      schema: {
        tags,
        summary: "Jaeger: a service's operations with their kinds",
        querystring: Type.Object({ service: Type.String() }),
      },
    },
    async (request) =>
      jaegerEnvelope(
        (await traces.operations(request.query.service)).map((name) => ({ name, spanKind: '' })),
      ),
  );

  app.get<{ Querystring: Static<typeof JaegerSearchQuery> }>(
    '/api/traces',
    {
      schema: {
        tags,
        summary: 'Jaeger: search traces (whole traces, newest first)',
        querystring: JaegerSearchQuery,
      },
    },
    async (request) => {
      const q = request.query;
      if (q.traceID !== undefined) {
        const ids = q.traceID.map(normalizeTraceId);
        return jaegerEnvelope(await readTraces(traces, ids));
      }
      const found = await traces.searchTraces(searchOf(q, clock()));
      return jaegerEnvelope(
        await readTraces(
          traces,
          found.map((t) => t.traceId),
        ),
      );
    },
  );

  app.get<{ Params: { traceId: string } }>(
    '/api/traces/:traceId',
    { schema: { tags, summary: 'Jaeger: one trace', params: Type.Object({ traceId: Type.String() }) } },
    async (request) => {
      const traceId = normalizeTraceId(request.params.traceId);
      const spans = await traces.trace(traceId);
      if (spans.length === 0) throw new VantageError('VTG_TRACE_NOT_FOUND', { params: { traceId } });
      return jaegerEnvelope([toJaegerTrace(traceId, spans)]);
    },
  );

  app.get<{ Querystring: { endTs?: number; lookback?: number } }>(
    '/api/dependencies',
    {
      schema: {
        tags,
        summary: 'Jaeger: calls between services',
        querystring: Type.Object({
          endTs: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms' })),
          lookback: Type.Optional(Type.Integer({ minimum: 1, description: 'ms' })),
        }),
      },
    },
    async (request) => {
      const end = request.query.endTs ?? clock();
      const lookback = request.query.lookback ?? 86_400_000;
      const calls = await traces.serviceCalls(Math.max(0, end - lookback), end);
      return jaegerEnvelope(calls.map((c) => ({ parent: c.parent, child: c.child, callCount: c.calls })));
    },
  );
};

async function readTraces(traces: TraceStore, ids: readonly string[]) {
  const out: (ReturnType<typeof toJaegerTrace> | undefined)[] = new Array(ids.length);
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next;
      next += 1;
      const id = ids[i] ?? '';
      const spans: Span[] = await traces.trace(id);
      out[i] = spans.length > 0 ? toJaegerTrace(id, spans) : undefined;
    }
  };
  await Promise.all(Array.from({ length: Math.min(TRACE_READS_IN_FLIGHT, ids.length) }, reader));
  return out.filter((t) => t !== undefined);
}

/** Jaeger's search parameters as a TraceSearch; `error=true` among the tags is the error status. */
function searchOf(q: Static<typeof JaegerSearchQuery>, now: number): TraceSearch {
  const endMs = q.end !== undefined ? Math.floor(q.end / 1000) : now;
  let startMs: number;
  if (q.start !== undefined) startMs = Math.floor(q.start / 1000);
  else if (q.lookback !== undefined && q.lookback !== 'custom')
    startMs = endMs - parseGoDuration(q.lookback, 'lookback');
  else startMs = endMs - 3_600_000;
  if (startMs >= endMs) {
    throw new VantageError('VTG_QUERY_INVALID_RANGE', {
      params: { reason: '"start" must be before "end"' },
      field: 'start',
    });
  }
  const tags = { ...jsonTags(q.tags), ...parseTags(q.tag ?? [], 'tag') };
  const errorTag = tags['error'];
  delete tags['error'];
  const operation =
    q.operation === undefined || q.operation === '' || q.operation === 'all' ? undefined : q.operation;
  return {
    from: startMs,
    // Jaeger's end is inclusive (µs); ours is exclusive (ms).
    to: endMs + 1,
    limit: q.limit ?? 20,
    ...(q.service !== undefined && q.service !== '' ? { service: q.service } : {}),
    ...(operation !== undefined ? { operation } : {}),
    ...(q.minDuration ? { minDurationMs: parseGoDuration(q.minDuration, 'minDuration') } : {}),
    ...(q.maxDuration ? { maxDurationMs: parseGoDuration(q.maxDuration, 'maxDuration') } : {}),
    ...(errorTag === 'true'
      ? { status: 'error' as const }
      : errorTag === 'false'
        ? { status: 'ok' as const }
        : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  };
}

function jsonTags(text: string | undefined): Record<string, string> {
  if (text === undefined || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new VantageError('VTG_TRACE_INVALID_TAG', {
      params: { value: text, reason: 'tags must be a JSON object' },
      field: 'tags',
    });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    checkTagKey(key, text);
    out[key] = String(value);
  }
  return out;
}
