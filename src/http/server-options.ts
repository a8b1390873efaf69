import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type {
  ConnectionError,
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { errorBody, VantageError } from '../core/index.js';

/** The HTTP timeouts every port shares (docs/operations.md, "Slow clients and shutdown"). */
export interface HttpServerSettings {
  /** Time a client has to send a request's headers. */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** On close, how long requests in flight may take before their connections are closed. */
  readonly shutdownGraceMs: number;
}

/**
 * Fastify's options for a server of ours: Node's own timeouts for headers, whole requests and idle
 * keep-alive connections, and coded bodies for what Fastify and Node answer before any route runs.
 * Fastify turns Node's request timeout off by default, so without these a client that sends its
 * body a byte at a time holds its connection, and a shutdown, for as long as it likes.
 */
export function httpServerOptions(settings: HttpServerSettings, log?: FastifyBaseLogger) {
  return {
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    // Node's headers timeout starts with a request's first byte: a connection that sends nothing
    // is only ended by the socket's inactivity timeout (see registerIdleSocketTimeout).
    connectionTimeout: settings.headersTimeoutMs,
    http: {
      headersTimeout: settings.headersTimeoutMs,
      // Node checks these timeouts on a timer, every 30 s by default, so a 1 s timeout could take
      // 31 s to fire; checking a list of connections every second at most costs little.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(settings.headersTimeoutMs / 2))),
    },
    // close() ends idle keep-alive sockets at once; graceful-close.ts forces the rest after the grace.
    forceCloseConnections: 'idle' as const,
    // Fastify's own 503 while closing has no code: graceful-close.ts answers a coded one instead.
    return503OnClosing: false,
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
      // A URL that does not decode, or a path parameter too long for the router: the client's.
      const err =
        error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new VantageError('VTG_HTTP_INVALID_URL', { params: { reason: error.message }, cause: error })
          : new VantageError('VTG_SERVER_INTERNAL_ERROR', { cause: error });
      if (err.statusCode >= 500) request.log.error({ err: error, code: err.code }, err.message);
      else request.log.warn({ code: err.code }, err.message);
      void reply.code(err.statusCode).send(errorBody(err));
    },
    clientErrorHandler: (error: ConnectionError, socket: Socket): void => clientError(error, socket, log),
  };
}

/**
 * A socket quiet for `connectionTimeout` is closed (with a coded 408) only when no response is in
 * progress on it: a connection that never sent a request, or that went quiet halfway through one.
 * Without a listener Node would destroy every quiet socket, a long query's included.
 */
export function registerIdleSocketTimeout(app: FastifyInstance, log?: FastifyBaseLogger): void {
  app.server.on('timeout', (socket: Socket) => {
    if (responseOf(socket) !== undefined) return;
    clientError(
      Object.assign(new Error('idle'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }) as ConnectionError,
      socket,
      log,
    );
  });
}

/** The response Node attached to the socket (`_httpMessage`), while one is in progress. */
function responseOf(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/**
 * Node's parser-level refusals (malformed HTTP, headers too large, a request not received in
 * time), which no route sees: answered on the raw socket, as Node does, but with our coded body.
 */
function clientError(error: ConnectionError, socket: Socket, log: FastifyBaseLogger | undefined): void {
  // A reset connection is gone; there is nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const err =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new VantageError('VTG_HTTP_REQUEST_TIMEOUT')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new VantageError('VTG_HTTP_HEADERS_TOO_LARGE')
        : new VantageError('VTG_HTTP_BAD_REQUEST', { params: { reason: error.code } });
  log?.warn({ code: err.code, reason: error.code }, err.message);
  // As Node does: no answer once a response has begun on this socket (it would be read as part of
  // that one).
  if (socket.writable && !(responseOf(socket)?.headersSent ?? false)) {
    const body = JSON.stringify(errorBody(err));
    socket.write(
      `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? ''}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
