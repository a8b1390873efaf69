import type { Registry } from 'prom-client';
import { z } from 'zod';
import { durationSchema, isHttpUrl, listSchema, positiveIntSchema } from '../../config/setting-spec.js';
import type { SettingSpec } from '../../config/setting-spec.js';
import type { LiveFeed } from './live-feed.js';
import { createStreamMetrics } from './stream-metrics.js';
import type { StreamOptions } from './stream-routes.js';
import { ticketSecret } from './stream-tickets.js';

/** `*`, or origins such as https://dash.example.com (scheme, host and port; no path). */
const origins = listSchema.pipe(
  z.array(
    z.string().refine((text) => text === '*' || isHttpUrl(text), {
      message: 'each origin must be * or a URL such as https://dash.example.com',
    }),
  ),
);

/**
 * Settings of the query API's live stream (`GET /v1/stream`), shared by `vantage start` and
 * `vantage api`. docs/api.md explains each in context.
 */
export const STREAM_SETTINGS = {
  streamMaxConnections: {
    flag: '--stream-max-connections',
    env: 'VANTAGE_STREAM_MAX_CONNECTIONS',
    default: '2000',
    schema: positiveIntSchema,
    description: 'Most WebSocket streams one API process holds; beyond it, 503',
  },
  streamMaxSubscriptions: {
    flag: '--stream-max-subscriptions',
    env: 'VANTAGE_STREAM_MAX_SUBSCRIPTIONS',
    default: '50',
    schema: positiveIntSchema,
    description: 'Most subscriptions on one stream',
  },
  streamMaxBufferedBytes: {
    flag: '--stream-max-buffered-bytes',
    env: 'VANTAGE_STREAM_MAX_BUFFERED_BYTES',
    default: String(256 * 1024),
    schema: positiveIntSchema,
    description: 'Unsent bytes a stream may hold for a slow client before it is dropped (close 4008)',
  },
  streamHeartbeatInterval: {
    flag: '--stream-heartbeat-interval',
    env: 'VANTAGE_STREAM_HEARTBEAT_INTERVAL',
    default: '15s',
    schema: durationSchema(),
    description: 'How often a stream gets a heartbeat and a ping; no pong by the next one drops it',
  },
  streamAllowedOrigins: {
    flag: '--stream-allowed-origins',
    env: 'VANTAGE_STREAM_ALLOWED_ORIGINS',
    default: '',
    schema: origins,
    description:
      'Comma-separated browser origins that may open a stream, or *; the API host itself is always allowed',
  },
} as const satisfies Record<string, SettingSpec>;

/** The live stream as the parsed settings describe it, fed by `feed` (none: 503, `unavailable` says why). */
export function streamOptions(
  values: {
    readonly apiKeys: readonly string[];
    readonly streamMaxConnections: number;
    readonly streamMaxSubscriptions: number;
    readonly streamMaxBufferedBytes: number;
    readonly streamHeartbeatInterval: number;
    readonly streamAllowedOrigins: readonly string[];
  },
  registry: Registry,
  feed: LiveFeed | undefined,
  unavailable?: string,
): StreamOptions {
  return {
    feed,
    ...(unavailable !== undefined ? { unavailable } : {}),
    metrics: createStreamMetrics(registry),
    ticketSecret: ticketSecret(values.apiKeys),
    limits: {
      maxConnections: values.streamMaxConnections,
      maxSubscriptions: values.streamMaxSubscriptions,
      maxBufferedBytes: values.streamMaxBufferedBytes,
      heartbeatMs: values.streamHeartbeatInterval,
    },
    allowedOrigins: values.streamAllowedOrigins,
  };
}
