import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TierRetention } from '../core/index.js';
import { prepareVql, shapeVqlAnswer } from '../query/index.js';
import { vqlCacheKey } from './cache-key.js';
import { CACHE_HEADER, wantsFreshAnswer } from './cached-answers.js';
import type { StoreReadOptions } from './route-options.js';

export interface VqlRouteOptions extends StoreReadOptions {
  readonly retention: TierRetention;
}

/** `POST /v1/query`: one VQL query, parsed, validated and planned here, run by the store. */
export const vqlRoutes: FastifyPluginAsync<VqlRouteOptions> = async (app, options) => {
  const { store, metrics, clock, answers } = options;
  app.post<{ Body: { vql: string } }>(
    '/v1/query',
    {
      schema: {
        summary: 'Run a VQL query',
        description:
          'One SELECT over the logical table `metrics`; see docs/vql.md. Errors name their position.',
        body: Type.Object(
          { vql: Type.String({ minLength: 1, maxLength: 10_000 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const started = performance.now();
      let plan;
      try {
        plan = prepareVql(request.body.vql, { now: clock(), retention: options.retention });
      } catch (err) {
        metrics.vqlQueries.inc({ outcome: 'refused' });
        throw err;
      }
      const prepared = plan; // a const, for the closure below
      const { value: answer, cache } = await answers
        .cached(
          {
            query: 'vql',
            key: vqlCacheKey(plan),
            rangeEnd: plan.scan.to,
            fresh: wantsFreshAnswer(request.headers),
          },
          async () => {
            const stop = metrics.queryDuration.startTimer({ query: 'vql', tier: prepared.tier.name });
            const { rows, sorted } = await store.queryVql(prepared);
            stop();
            return shapeVqlAnswer(prepared, rows, sorted);
          },
        )
        .catch((err: unknown) => {
          metrics.vqlQueries.inc({ outcome: 'failed' });
          throw err;
        });
      metrics.vqlQueries.inc({ outcome: 'ok' });
      reply.header(CACHE_HEADER, cache);
      return {
        ...answer,
        stats: {
          rows: answer.rows.length,
          tier: plan.tier.name,
          from: plan.scan.from,
          to: plan.scan.to,
          step: plan.stepMs ?? null,
          elapsedMs: Math.round((performance.now() - started) * 100) / 100,
          cached: cache === 'hit',
          notices: plan.notices,
        },
      };
    },
  );
};
