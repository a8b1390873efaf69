import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { Store } from '../storage/index.js';

const MAX_PAGE = 1_000;

const DeadLettersQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 })),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, default: 0, description: 'Skip this many: the `next` of the page before' }),
  ),
});

const DeadLetter = Type.Object({
  at: Type.Number({ description: 'When it was set aside, epoch ms' }),
  service: Type.String(),
  metric: Type.String(),
  type: Type.String(),
  tags: Type.Record(Type.String(), Type.String()),
  start: Type.Union([Type.Number(), Type.Null()], { description: 'Minute start, epoch ms' }),
  count: Type.Union([Type.Number(), Type.Null()]),
  sum: Type.String({ description: 'As received; may be "Infinity" or "NaN"' }),
  min: Type.String(),
  max: Type.String(),
  last: Type.String(),
  reason: Type.String(),
  checkpoint: Type.Union([
    Type.Object({ source: Type.String(), partition: Type.Integer(), offset: Type.Integer() }),
    Type.Null(),
  ]),
});

/**
 * `GET /v1/dead-letters`: the aggregates the worker's store set aside because it can never hold
 * them (src/storage/dead-letters.ts), newest first, a page at a time.
 */
export const deadLetterRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get<{ Querystring: Static<typeof DeadLettersQuery> }>(
    '/v1/dead-letters',
    {
      schema: {
        summary: 'Aggregates set aside because the store can never hold them',
        querystring: DeadLettersQuery,
        response: {
          200: Type.Object({
            deadLetters: Type.Array(DeadLetter),
            next: Type.Union([Type.Integer(), Type.Null()], {
              description: 'Pass as `offset` for the next page; null on the last',
            }),
          }),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const offset = request.query.offset ?? 0;
      const records = await store.deadLetters({ limit, offset });
      return {
        deadLetters: records.map((r) => ({
          ...r,
          tags: parseTags(r.tags),
          start: Number.isFinite(r.start) ? r.start : null,
          count: Number.isFinite(r.count) ? r.count : null,
          checkpoint: r.checkpoint ?? null,
        })),
        next: records.length === limit ? offset + limit : null,
      };
    },
  );
};

function parseTags(text: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') return parsed as Record<string, string>;
  } catch {
    // Set aside as it came: the raw text is what there is.
  }
  return { _raw: text };
}
