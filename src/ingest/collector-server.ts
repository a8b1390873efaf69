import { createGunzip } from 'node:zlib';
import type { Transform } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { errorBody, TokenBucketLimiter, VantageError } from '../core/index.js';
import {
  httpServerOptions,
  registerIdleSocketTimeout,
  quietRequestLogs,
  registerErrorHandling,
  registerGracefulClose,
  registerHealthRoutes,
  registerMetricsRoute,
} from '../http/index.js';
import type { ApiKeyVerifier, HttpServerSettings, ReadinessCheck } from '../http/index.js';
import type { BatchPublisher } from './batch-publisher.js';
import type { CollectorMetrics } from './collector-metrics.js';
import type { PipelineProgress } from './pipeline-progress.js';
import { ErrorResponseSchema, IngestResponseSchema, envelopeSchema } from './metric-schema.js';
import type { IngestResponse } from './metric-schema.js';
import type { SampleValidator, ValidationLimits } from './sample-validator.js';
import type { ActiveSeriesTracker } from './active-series.js';
import { SeriesAdmission } from './series-admission.js';

export interface CollectorServerOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: CollectorMetrics;
  readonly validator: SampleValidator;
  /** The series limits; every request's new series are counted against them. */
  readonly activeSeries: ActiveSeriesTracker;
  readonly limits: ValidationLimits;
  readonly publisher: BatchPublisher;
  readonly apiKeys: ApiKeyVerifier;
  /** Guards /metrics: the scrape token, or the API keys; absent or empty, /metrics is open. */
  readonly metricsAuth?: ApiKeyVerifier;
  readonly rateLimitPerMinute: number;
  readonly maxBodyBytes: number;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Timeouts and the shutdown grace. */
  readonly http: HttpServerSettings;
  /** The workers' progress on the bus: read from `ready` on, a `pipeline` check of /ready, closed with the server. */
  readonly progress?: PipelineProgress;
  readonly clock?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId?: string;
  }
}

/** The collector's HTTP server: POST /v1/metrics, health, /metrics and the OpenAPI document. */
export async function buildCollectorServer(options: CollectorServerOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const logger: FastifyBaseLogger = options.logger.child({ component: 'collector' });
  const app = Fastify({
    loggerInstance: logger,
    logController: quietRequestLogs(),
    bodyLimit: options.maxBodyBytes,
    // Plain JSON.parse: the poisoning scan reads every body twice more, and nothing here merges
    // parsed objects into others (the schema refuses __proto__ and constructor as keys).
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    ...httpServerOptions(options.http, logger),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Vantage collector', version: '1', description: 'Metric ingestion. See docs/api.md.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
  });
  registerGracefulClose(app, options.http.shutdownGraceMs);
  registerIdleSocketTimeout(app, logger);
  registerErrorHandling(app, mapFrameworkError(options.maxBodyBytes), (err) =>
    options.metrics.errors.inc({ code: err.code }),
  );
  // Only JSON is accepted; anything else is a 415.
  app.removeContentTypeParser('text/plain');

  const { metrics, publisher, validator } = options;
  const admission = new SeriesAdmission(options.activeSeries, metrics);
  const perClient = new TokenBucketLimiter(options.rateLimitPerMinute, 60_000, clock);

  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url !== '/v1/metrics') return;
    const status = String(reply.statusCode);
    metrics.requests.inc({ status });
    metrics.requestDuration.observe({ status }, reply.elapsedTime / 1000);
  });

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
        if (options.apiKeys.enabled)
          request.apiKeyId = options.apiKeys.authenticate(request.headers, request.ip);
        limit(perClient, `ip:${request.ip}`, options.rateLimitPerMinute);
        if (request.apiKeyId !== undefined)
          limit(perClient, `key:${request.apiKeyId}`, options.rateLimitPerMinute);
      },
      preParsing: async (request, _reply, payload) => decode(request, payload),
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

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const { progress } = options;
  if (progress) {
    app.addHook('onReady', async () => progress.start());
    app.addHook('onClose', async () => progress.close());
  }
  registerHealthRoutes(
    app,
    'collector',
    progress ? { ...options.readiness, pipeline: progress.readiness } : options.readiness,
  );
  registerMetricsRoute(app, options.registry, options.metricsAuth);
  return app;
}

function limit(limiter: TokenBucketLimiter, key: string, perMinute: number): void {
  const result = limiter.take(key);
  if (!result.allowed) {
    const retryAfter = Math.ceil(result.retryAfterMs / 1000);
    throw new VantageError('VTG_RATE_LIMITED', { params: { limit: perMinute, retryAfter }, retryAfter });
  }
}

/** Gunzips the body on its way to the JSON parser; Fastify counts the decoded bytes against the limit. */
function decode(request: FastifyRequest, payload: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return payload;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new VantageError('VTG_INGEST_UNSUPPORTED_ENCODING', {
      params: { encoding },
      field: 'content-encoding',
    });
  }
  const gunzip: Transform & { receivedEncodedLength?: number } = createGunzip();
  gunzip.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength = (gunzip.receivedEncodedLength ?? 0) + chunk.length;
  });
  payload.on('error', (err) => gunzip.destroy(err));
  // Fastify reads this stream, and hears its errors, only if the request gets that far: one it
  // refuses first (another Content-Type, say) still pipes its bytes here, and bad gzip would then
  // be an uncaught 'error' that ends the process.
  gunzip.on('error', () => undefined);
  return payload.pipe(gunzip);
}

function mapFrameworkError(maxBodyBytes: number) {
  return (err: FastifyError): VantageError | undefined => {
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new VantageError('VTG_INGEST_PAYLOAD_TOO_LARGE', {
          params: { limit: maxBodyBytes },
          cause: err,
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new VantageError('VTG_INGEST_UNSUPPORTED_MEDIA_TYPE', { field: 'content-type', cause: err });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new VantageError('VTG_INGEST_MALFORMED_BODY', {
          params: { reason: 'Content-Length does not match the body' },
          cause: err,
        });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return new VantageError('VTG_INGEST_MALFORMED_BODY', { params: { reason: err.message }, cause: err });
      default: {
        // Bad gzip, or any other client-side parse failure the framework reports as a 400.
        const malformed =
          err instanceof SyntaxError ||
          err.code === 'Z_DATA_ERROR' ||
          err.code === 'Z_BUF_ERROR' ||
          err.statusCode === 400;
        return malformed
          ? new VantageError('VTG_INGEST_MALFORMED_BODY', { params: { reason: err.message }, cause: err })
          : undefined;
      }
    }
  };
}
