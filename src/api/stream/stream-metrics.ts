import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** Self-metrics of the live stream (`GET /v1/stream`), on the query API's registry. */
export interface StreamMetrics {
  readonly connections: Gauge;
  readonly subscriptions: Gauge;
  readonly messagesSent: Counter<'type'>;
  readonly pointsSent: Counter;
  readonly clientsDropped: Counter<'reason'>;
  readonly refused: Counter<'code'>;
  readonly feedDelay: Histogram;
  readonly fanOutDuration: Histogram;
  readonly feedSkipped: Counter;
}

export function createStreamMetrics(registry: Registry): StreamMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({
      name: 'vantage_api_websocket_connections',
      help: 'Open WebSocket streams',
      registers,
    }),
    subscriptions: new Gauge({
      name: 'vantage_api_stream_subscriptions',
      help: 'Subscriptions over all open streams',
      registers,
    }),
    messagesSent: new Counter({
      name: 'vantage_api_stream_messages_sent_total',
      help: 'Messages sent on streams by type (data, heartbeat, subscribed, unsubscribed, error)',
      labelNames: ['type'],
      registers,
    }),
    pointsSent: new Counter({
      name: 'vantage_api_stream_points_sent_total',
      help: 'Points sent in data messages, over all streams',
      registers,
    }),
    clientsDropped: new Counter({
      name: 'vantage_api_stream_clients_dropped_total',
      help: 'Streams the server closed by reason (slow: too much unsent; unresponsive: no pong)',
      labelNames: ['reason'],
      registers,
    }),
    refused: new Counter({
      name: 'vantage_api_stream_refused_total',
      help: 'Stream requests refused before or at the upgrade, by error code',
      labelNames: ['code'],
      registers,
    }),
    feedDelay: new Histogram({
      name: 'vantage_api_stream_feed_delay_seconds',
      help: "From a collector's flush to the stream fanning the batch out",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    fanOutDuration: new Histogram({
      name: 'vantage_api_stream_fanout_duration_seconds',
      help: 'Time to match one bus message against every subscription and hand it to the sockets',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    feedSkipped: new Counter({
      name: 'vantage_api_stream_feed_skipped_total',
      help: 'Bus messages (or aggregates in them) the live feed could not read or decode, skipped',
      registers,
    }),
  };
}
