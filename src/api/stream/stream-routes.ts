import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { RawData } from 'ws';
import { STREAM_CLOSE_CODES, VantageError } from '../../core/index.js';
import type { ApiKeyVerifier } from '../../http/index.js';
import { FeedRunner } from './feed-runner.js';
import type { LiveFeed } from './live-feed.js';
import { OriginPolicy } from './origin-policy.js';
import { StreamHub } from './stream-hub.js';
import type { StreamLimits } from './stream-hub.js';
import type { StreamMetrics } from './stream-metrics.js';
import { StreamTickets, TICKET_TTL_MS } from './stream-tickets.js';

/** What the query API needs to serve `/v1/stream`. */
export interface StreamOptions {
  /** The bus, decoded; undefined when this process has none (`unavailable` says why). */
  readonly feed: LiveFeed | undefined;
  readonly unavailable?: string;
  readonly metrics: StreamMetrics;
  /** Signs tickets (see ticketSecret). */
  readonly ticketSecret: Buffer;
  readonly limits: StreamLimits;
  /** Browser origins allowed besides the API's own host; `*` allows any. */
  readonly allowedOrigins: readonly string[];
}

export interface StreamRouteOptions extends StreamOptions {
  readonly apiKeys: ApiKeyVerifier;
}

/** Client messages are small JSON objects; anything larger closes the socket (1009). */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** What a refused stream is told to wait before it tries again. */
const RETRY_AFTER_S = 5;

/** Paths the API's key check leaves to these routes: the stream authenticates with tickets. */
export const STREAM_SELF_AUTHENTICATED_PATHS: readonly string[] = ['/v1/stream'];

/**
 * `POST /v1/stream/ticket` and `GET /v1/stream` (WebSocket), in a plugin scope of their own so
 * that the WebSocket server, its hooks and its shutdown concern these routes only.
 */
export const streamRoutes: FastifyPluginAsync<StreamRouteOptions> = async (scope, options) => {
  const { metrics } = options;
  const hub = new StreamHub({
    ...options.limits,
    metrics,
    onSkipped: (err) => scope.log.warn({ err }, 'the live feed skipped a message it could not read'),
  });
  const runner = options.feed
    ? new FeedRunner(options.feed, hub, (err, delayMs) =>
        scope.log.warn({ err, retryInMs: delayMs }, 'the live feed cannot start; streams wait for it'),
      )
    : undefined;
  const tickets = new StreamTickets(options.ticketSecret);
  const origins = new OriginPolicy(options.allowedOrigins);

  await scope.register(websocket, {
    options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES },
    errorHandler: (err, socket, request) => {
      request.log.debug({ err }, 'stream socket error');
      socket.terminate();
    },
    preClose: async function (this: FastifyInstance) {
      await hub.close();
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
  });
  scope.addHook('onReady', async () => {
    await runner?.start();
    hub.startHeartbeats();
  });
  scope.addHook('onClose', async () => {
    await runner?.close();
  });

  scope.post(
    '/v1/stream/ticket',
    {
      schema: {
        summary: 'A single-use ticket to open the stream (GET /v1/stream?ticket=) within 30 s',
        response: { 200: Type.Object({ ticket: Type.String(), expiresAt: Type.Number() }) },
      },
    },
    async () => tickets.issue(),
  );

  /** Refusals happen here, before the upgrade, so they are HTTP answers with our error body. */
  const admit = async (request: FastifyRequest<{ Querystring: { ticket?: string } }>): Promise<void> => {
    if (!request.ws) return;
    try {
      if (hub.isClosing) throw unavailable('the server is shutting down');
      const origin = request.headers.origin;
      if (!origins.allows(origin, request.headers.host)) {
        throw new VantageError('VTG_STREAM_ORIGIN_NOT_ALLOWED', {
          params: { origin: origin ?? '' },
          field: 'origin',
        });
      }
      const problem = runner ? runner.problem : (options.unavailable ?? 'this process has no live feed');
      if (problem !== undefined) throw unavailable(problem);
      if (hub.full) throw tooMany(options.limits.maxConnections);
      if (options.apiKeys.enabled) authenticate(request, options.apiKeys, tickets);
    } catch (err) {
      if (err instanceof VantageError) metrics.refused.inc({ code: err.code });
      throw err;
    }
  };

  scope.route<{ Querystring: { ticket?: string } }>({
    method: 'GET',
    url: '/v1/stream',
    schema: {
      summary: 'Live data points over WebSocket; see docs/api.md for the message protocol',
      querystring: Type.Object({
        ticket: Type.Optional(
          Type.String({
            maxLength: 512,
            description: `From POST /v1/stream/ticket; good for ${TICKET_TTL_MS / 1000} s`,
          }),
        ),
      }),
    },
    preHandler: admit,
    handler: async () => {
      throw new VantageError('VTG_STREAM_UPGRADE_REQUIRED');
    },
    wsHandler: (socket) => {
      const connection = hub.attach(socket);
      if (connection === undefined) {
        // Between the checks above and now, the server began closing or another upgrade took the
        // last place.
        if (hub.isClosing) {
          socket.close(STREAM_CLOSE_CODES.goingAway, 'server shutting down');
          return;
        }
        metrics.refused.inc({ code: 'VTG_STREAM_TOO_MANY_CONNECTIONS' });
        socket.close(STREAM_CLOSE_CODES.tryAgainLater, 'VTG_STREAM_TOO_MANY_CONNECTIONS');
        return;
      }
      socket.on('message', (data, isBinary) => connection.receive(isBinary ? '' : text(data), isBinary));
      socket.on('pong', () => connection.pong());
      socket.on('close', () => connection.closed());
    },
  });
};

/** A key in a header (non-browser clients), else a ticket; one of them when keys are configured. */
function authenticate(
  request: FastifyRequest<{ Querystring: { ticket?: string } }>,
  apiKeys: ApiKeyVerifier,
  tickets: StreamTickets,
): void {
  const ticket = request.query.ticket;
  if (ticket !== undefined) {
    tickets.redeem(ticket);
    return;
  }
  if (request.headers.authorization === undefined && request.headers['x-api-key'] === undefined) {
    throw new VantageError('VTG_STREAM_TICKET_REQUIRED', { field: 'ticket' });
  }
  apiKeys.authenticate(request.headers, request.ip);
}

function unavailable(reason: string): VantageError {
  return new VantageError('VTG_STREAM_UNAVAILABLE', { params: { reason }, retryAfter: RETRY_AFTER_S });
}

function tooMany(limit: number): VantageError {
  return new VantageError('VTG_STREAM_TOO_MANY_CONNECTIONS', {
    params: { limit, retryAfter: RETRY_AFTER_S },
    retryAfter: RETRY_AFTER_S,
  });
}

function text(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
