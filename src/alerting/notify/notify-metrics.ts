import { metricSet } from '../../telemetry/index.js';

/** The notification side's self-metrics, `vantage_alerts_*`, on the query API's registry. */
export type NotifyMetrics = ReturnType<typeof createNotifyMetrics>;

export const createNotifyMetrics = metricSet((m) => ({
  sent: m.counter('vantage_alerts_notifications_sent_total', 'Notifications a channel accepted, by channel', [
    'channel',
  ]),
  failed: m.counter(
    'vantage_alerts_notifications_failed_total',
    'Notifications that failed after their retries (GET /v1/notifications?state=failed lists them), by channel',
    ['channel'],
  ),
  retries: m.counter(
    'vantage_alerts_notification_retries_total',
    'Attempts at a notification after a retryable failure, by channel',
    ['channel'],
  ),
  refused: m.counter(
    'vantage_alerts_notifications_refused_total',
    'Notifications refused before any attempt, by reason (queue_full)',
    ['reason'],
  ),
  queueSize: m.gauge('vantage_alerts_notification_queue_size', 'Notifications waiting for or in delivery'),
  silenced: m.counter(
    'vantage_alerts_silenced_total',
    'Alerts left out of a notification because a silence matched them',
  ),
  activeSilences: m.gauge('vantage_alerts_silences_active', 'Silences in force or yet to start'),
  notifiers: m.gauge(
    'vantage_alerts_notifiers',
    'Notifiers configured (rules files, API and --alertmanager-url)',
  ),
  deliveryDuration: m.histogram(
    'vantage_alerts_notification_delivery_duration_seconds',
    'Time from handing a notification to its channel to its final outcome, retries included, by channel',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    ['channel'],
  ),
}));
