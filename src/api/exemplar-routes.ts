import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { parseTimePoint, VantageError } from '../core/index.js';
import type { Store } from '../storage/index.js';

const MAX_PAGE = 1_000;
/** Deep pages cost the rows skipped: past this, narrow the range instead. */
const MAX_OFFSET = 100_000;

const ExemplarsQuery = Type.Object({
  service: Type.String({ minLength: 1 }),
  metric: Type.String({ minLength: 1 }),
  from: Type.Optional(
    Type.String({ description: 'Epoch ms, RFC 3339, now or relative (-1h); default -1h; inclusive' }),
  ),
  to: Type.Optional(Type.String({ description: 'As `from`; default now; exclusive' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 })),
  offset: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_OFFSET,
      default: 0,
      description: 'Skip this many: the `next` of the page before',
    }),
  ),
});

const ExemplarItem = Type.Object({
  tags: Type.Record(Type.String(), Type.String(), { description: "The series' tags" }),
  type: Type.String({ description: 'gauge or counter, as the series is stored' }),
  time: Type.Number({ description: "The exemplar's time, epoch ms" }),
  value: Type.Number(),
  traceId: Type.String({ description: "Lower-case hex; '' when the sender gave none" }),
  spanId: Type.String({ description: "Lower-case hex; '' when the sender gave none" }),
});

/**
 * `GET /v1/exemplars`: the exemplars kept for a metric (a few per series-minute, src/core/exemplar.ts),
 * newest first, a page at a time. A direct read of the store, not through the query threads or the
 * answer cache: an index range of one metric, cut at the page.
 */
export const exemplarRoutes: FastifyPluginAsync<{ store: Store; clock: () => number }> = async (
  app,
  { store, clock },
) => {
  app.get<{ Querystring: Static<typeof ExemplarsQuery> }>(
    '/v1/exemplars',
    {
      schema: {
        summary: "A metric's exemplars (links from its samples to traces), newest first",
        querystring: ExemplarsQuery,
        response: {
          200: Type.Object({
            service: Type.String(),
            metric: Type.String(),
            exemplars: Type.Array(ExemplarItem),
            next: Type.Union([Type.Integer(), Type.Null()], {
              description: 'Pass as `offset` for the next page; null on the last',
            }),
          }),
        },
      },
    },
    async (request) => {
      const { service, metric } = request.query;
      const now = clock();
      const to = time(request.query.to ?? 'now', 'to', now);
      const from = time(request.query.from ?? '-1h', 'from', now);
      if (from >= to) {
        throw new VantageError('VTG_QUERY_INVALID_RANGE', {
          params: { reason: '"from" must be before "to"' },
          field: 'from',
        });
      }
      const limit = request.query.limit ?? 100;
      const offset = request.query.offset ?? 0;
      const records = await store.exemplars({ service, metric, from, to, limit, offset });
      return {
        service,
        metric,
        exemplars: records.map((r) => ({
          tags: JSON.parse(r.tags) as Record<string, string>,
          type: r.type,
          time: r.timestamp,
          value: r.value,
          traceId: r.traceId,
          spanId: r.spanId,
        })),
        next: records.length === limit && offset + limit <= MAX_OFFSET ? offset + limit : null,
      };
    },
  );
};

function time(text: string, field: string, now: number): number {
  const t = parseTimePoint(text, now);
  if (t === undefined) throw new VantageError('VTG_QUERY_INVALID_TIME', { params: { value: text }, field });
  return t;
}
