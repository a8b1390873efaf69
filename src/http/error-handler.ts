import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody, VantageError } from '../core/index.js';

/** Turns a framework error (body parsing, schema validation) into a catalog error, or undefined. */
export type FrameworkErrorMapper = (err: FastifyError) => VantageError | undefined;

/**
 * The one place a server turns errors into responses: `{"error": {code, message, field?}}`,
 * 4xx logged as warn, 5xx as error, Retry-After on 429 and 503. The server's own mapper goes
 * first (the collector has codes of its own for bodies); what it leaves, mapHttpError codes.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  mapFrameworkError: FrameworkErrorMapper,
  onError: (err: VantageError) => void = () => undefined,
): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err =
      raw instanceof VantageError
        ? raw
        : (mapFrameworkError(raw) ??
          mapHttpError(raw, request) ??
          new VantageError('VTG_SERVER_INTERNAL_ERROR', { cause: raw }));
    onError(err);
    if (err.statusCode >= 500) request.log.error({ err: raw, code: err.code }, err.message);
    else request.log.warn({ code: err.code, field: err.field }, err.message);
    // The client went away (or its request timed out and was answered on the socket): nobody reads this.
    if (reply.raw.destroyed || reply.raw.headersSent) return undefined;
    if (err.retryAfter !== undefined)
      void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfter))));
    return reply.code(err.statusCode).send(errorBody(err));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new VantageError('VTG_HTTP_NOT_FOUND', {
      params: { method: request.method, url: request.url },
    });
    return reply.code(404).send(errorBody(err));
  });
}

/**
 * What Fastify itself refuses in a request, before or while it reads the body, for every server:
 * bodies too large, not JSON, of a type no route takes. Any other client error Fastify reports (a
 * 4xx status) is a client's mistake too, and never a 500.
 */
export function mapHttpError(err: FastifyError, request: FastifyRequest): VantageError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new VantageError('VTG_HTTP_BODY_TOO_LARGE', {
        params: { limit: request.routeOptions.bodyLimit ?? 0 },
        cause: err,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new VantageError('VTG_HTTP_UNSUPPORTED_MEDIA_TYPE', {
        params: { type: request.headers['content-type'] ?? '' },
        field: 'content-type',
        cause: err,
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return malformed(err);
    default:
      if (err instanceof SyntaxError) return malformed(err);
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
        return new VantageError('VTG_HTTP_BAD_REQUEST', { params: { reason: err.message }, cause: err });
      return undefined;
  }
}

function malformed(err: Error): VantageError {
  return new VantageError('VTG_HTTP_MALFORMED_BODY', { params: { reason: err.message }, cause: err });
}
