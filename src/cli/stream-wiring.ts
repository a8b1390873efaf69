import type { Registry } from 'prom-client';
import type { RoleConfig, VantageConfig } from '../config/index.js';
import { createStreamMetrics, ticketSecret } from '../api/index.js';
import type { LiveFeed, StreamOptions } from '../api/index.js';

type StreamSettings = Pick<
  VantageConfig & RoleConfig,
  | 'apiKeys'
  | 'streamMaxConnections'
  | 'streamMaxSubscriptions'
  | 'streamMaxBufferedBytes'
  | 'streamHeartbeatInterval'
  | 'streamAllowedOrigins'
>;

/** The query API's live stream as the settings describe it, fed by `feed` (none: 503). */
export function streamOptions(
  config: StreamSettings,
  registry: Registry,
  feed: LiveFeed | undefined,
  unavailable?: string,
): StreamOptions {
  return {
    feed,
    ...(unavailable !== undefined ? { unavailable } : {}),
    metrics: createStreamMetrics(registry),
    ticketSecret: ticketSecret(config.apiKeys),
    limits: {
      maxConnections: config.streamMaxConnections,
      maxSubscriptions: config.streamMaxSubscriptions,
      maxBufferedBytes: config.streamMaxBufferedBytes,
      heartbeatMs: config.streamHeartbeatInterval,
    },
    allowedOrigins: config.streamAllowedOrigins,
  };
}
