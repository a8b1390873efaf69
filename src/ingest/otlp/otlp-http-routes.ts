import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { VantageError } from '../../core/index.js';
import { mapHttpError } from '../../http/index.js';
import { gunzipBody } from '../gunzip-body.js';
import { malformed } from './otlp-receiver.js';
import type { OtlpMetricsReceiver } from './otlp-receiver.js';
import {
  exportResponseJson,
  exportResponseProtobuf,
  grpcStatusOf,
  statusJson,
  statusProtobuf,
} from './otlp-responses.js';

export interface OtlpHttpRouteOptions {
  readonly receiver: OtlpMetricsReceiver;
  readonly maxBodyBytes: number;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** The sender's encoding decides the answer's: protobuf for protobuf, JSON otherwise. */
const wantsProtobuf = (request: FastifyRequest): boolean =>
  (request.headers['content-type'] ?? '').toLowerCase().startsWith(PROTOBUF);

/**
 * OTLP/HTTP (the OTLP specification's "OTLP/HTTP"): `POST /v1/metrics` and `POST /v1/traces` in
 * protobuf or JSON, gzipped or not, answered 200 with an Export*ServiceResponse (partial_success
 * when points or spans were refused) once what was accepted is durable; failures as
 * google.rpc.Status in the request's encoding, with Retry-After on 429 and 503.
 */
export const otlpHttpRoutes: FastifyPluginAsync<OtlpHttpRouteOptions> = async (app, options) => {
  const { receiver } = options;
  // Bytes for both types: JSON is parsed in the handler, so a parse error is OTLP's 400 too.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([PROTOBUF, JSON_TYPE], { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err = raw instanceof VantageError ? raw : toVantageError(raw, request, options.maxBodyBytes);
    receiver.refused(err);
    if (err.statusCode >= 500 && err.statusCode !== 501 && err.statusCode !== 503) {
      request.log.error({ err: raw, code: err.code }, err.message);
    } else request.log.warn({ code: err.code, field: err.field }, err.message);
    if (reply.raw.destroyed || reply.raw.headersSent) return undefined;
    return sendStatus(reply, err, wantsProtobuf(request));
  });

  app.addHook('onResponse', async (_request, reply) => {
    receiver.metrics.requests.inc({ transport: 'http', status: String(reply.statusCode) });
  });

  for (const signal of ['metrics', 'traces'] as const) {
    app.post(
      `/v1/${signal}`,
      {
        onRequest: async (request) => receiver.admit(request.headers, request.ip),
        preParsing: async (request, _reply, payload) => gunzipBody(request, payload),
      },
      async (request, reply) => {
        const protobuf = wantsProtobuf(request);
        const bytes = request.body as Buffer;
        const body = protobuf ? bytes : parseJson(bytes);
        const format = protobuf ? 'protobuf' : 'json';
        const result =
          signal === 'metrics'
            ? await receiver.export(format, body)
            : await receiver.exportTraces(format, body);
        if (protobuf) {
          return reply
            .code(200)
            .type(PROTOBUF)
            .send(Buffer.from(exportResponseProtobuf(result, signal)));
        }
        return reply.code(200).type(JSON_TYPE).send(exportResponseJson(result, signal));
      },
    );
  }
};

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw malformed(err);
  }
}

function sendStatus(reply: FastifyReply, err: VantageError, protobuf: boolean): FastifyReply {
  const code = grpcStatusOf(err);
  if (err.retryAfter !== undefined)
    void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfter))));
  void reply.code(err.statusCode);
  return protobuf
    ? reply.type(PROTOBUF).send(Buffer.from(statusProtobuf(err, code)))
    : reply.type(JSON_TYPE).send(statusJson(err, code));
}

/** What Fastify refuses before the handler, in OTLP's terms where OTLP has its own. */
function toVantageError(err: FastifyError, request: FastifyRequest, maxBodyBytes: number): VantageError {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new VantageError('VTG_OTLP_UNSUPPORTED_MEDIA_TYPE', {
        params: { type: request.headers['content-type'] ?? '(none)' },
        field: 'content-type',
        cause: err,
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new VantageError('VTG_INGEST_PAYLOAD_TOO_LARGE', {
        params: { limit: maxBodyBytes },
        cause: err,
      });
    default: {
      // Bad gzip, or a body that ends before its Content-Length: the sender's, never worth a retry.
      const gzip = err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR';
      if (gzip || err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
        return new VantageError('VTG_OTLP_MALFORMED_REQUEST', {
          params: { reason: err.message },
          cause: err,
        });
      }
      return mapHttpError(err, request) ?? new VantageError('VTG_SERVER_INTERNAL_ERROR', { cause: err });
    }
  }
}
