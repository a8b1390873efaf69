import { metricSet } from '../../telemetry/index.js';

/** Self-metrics of the live stream (`GET /v1/stream`), on the query API's registry. */
export type StreamMetrics = ReturnType<typeof createStreamMetrics>;

export const createStreamMetrics = metricSet((m) => ({
  connections: m.gauge('vantage_api_websocket_connections', 'Open WebSocket streams'),
  subscriptions: m.gauge('vantage_api_stream_subscriptions', 'Subscriptions over all open streams'),
  messagesSent: m.counter(
    'vantage_api_stream_messages_sent_total',
    'Messages sent on streams by type (data, heartbeat, subscribed, unsubscribed, error)',
    ['type'],
  ),
  pointsSent: m.counter(
    'vantage_api_stream_points_sent_total',
    'Points sent in data messages, over all streams',
  ),
  clientsDropped: m.counter(
    'vantage_api_stream_clients_dropped_total',
    'Streams the server closed by reason (slow: too much unsent; unresponsive: no pong)',
    ['reason'],
  ),
  refused: m.counter(
    'vantage_api_stream_refused_total',
    'Stream requests refused before or at the upgrade, by error code',
    ['code'],
  ),
  feedDelay: m.histogram(
    'vantage_api_stream_feed_delay_seconds',
    "From a collector's flush to the stream fanning the batch out",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
  ),
  fanOutDuration: m.histogram(
    'vantage_api_stream_fanout_duration_seconds',
    'Time to match one bus message against every subscription and hand it to the sockets',
    [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
  ),
  feedSkipped: m.counter(
    'vantage_api_stream_feed_skipped_total',
    'Bus messages (or aggregates in them) the live feed could not read or decode, skipped',
  ),
}));
