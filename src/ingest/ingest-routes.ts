import type { FastifyPluginAsync } from 'fastify';
import { errorBody, VantageError } from '../core/index.js';
import type { BatchPublisher } from './batch-publisher.js';
import { gunzipBody } from './gunzip-body.js';
import type { CollectorMetrics } from './collector-metrics.js';
import type { IngestGuard } from './ingest-guard.js';
import { ErrorResponseSchema, IngestResponseSchema, envelopeSchema } from './metric-schema.js';
import type { IngestResponse } from './metric-schema.js';
import type { SampleValidator, ValidationLimits } from './sample-validator.js';
import type { SeriesAdmission } from './series-admission.js';

export interface IngestRouteOptions {
  readonly metrics: CollectorMetrics;
  readonly validator: SampleValidator;
  /** The series limits; every request's new series are counted against them. */
  readonly admission: SeriesAdmission;
  readonly limits: ValidationLimits;
  readonly publisher: BatchPublisher;
  /** API keys and rate limits, shared by every protocol's routes. */
  readonly guard: IngestGuard;
  readonly clock: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId?: string;
  }
}

/** `POST /v1/metrics`: key check, rate limits per client and per key, gunzip, validation, publish. */
export const ingestRoutes: FastifyPluginAsync<IngestRouteOptions> = async (app, options) => {
  const { metrics, publisher, validator, admission, clock } = options;

  app.post(
    '/v1/metrics',
    {
      schema: {
        summary: 'Send metrics',
        description:
          'Validates each metric, pre-aggregates by minute and answers 202 once the accepted metrics are durable. Invalid metrics of a mixed batch are listed in `rejected`; when none is valid the answer is 400.',
        body: envelopeSchema(options.limits),
        response: { 202: IngestResponseSchema, '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema },
        security: [{ bearer: [] }, { apiKeyHeader: [] }],
      },
      // The body schema documents the API; validation happens per metric in the handler, so that
      // one bad metric does not refuse its batch.
      validatorCompiler: () => () => true,
      onRequest: async (request) => {
        request.apiKeyId = options.guard.admit(request.headers, request.ip);
      },
      preParsing: async (request, _reply, payload) => gunzipBody(request, payload),
    },
    async (request, reply) => {
      const now = clock();
      const { samples, rejected } = admission.admit(validator.validate(request.body, now), now);
      metrics.samples.inc({ outcome: 'rejected' }, rejected.length);
      for (const r of rejected) metrics.errors.inc({ code: r.code });
      const first = rejected[0];
      if (samples.length === 0 && first !== undefined) {
        const err = new VantageError(first.code, { field: first.field, message: first.message });
        return reply.code(err.statusCode).send({ ...errorBody(err), rejected });
      }
      if (samples.length > 0) await publisher.submit(samples);
      metrics.samples.inc({ outcome: 'accepted' }, samples.length);
      const body: IngestResponse = { accepted: samples.length, rejected };
      return reply.code(202).send(body);
    },
  );
};
