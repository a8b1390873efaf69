import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The notification side's self-metrics, `vantage_alerts_*`, on the query API's registry. */
export interface NotifyMetrics {
  readonly sent: Counter<'channel'>;
  readonly failed: Counter<'channel'>;
  readonly retries: Counter<'channel'>;
  readonly refused: Counter<'reason'>;
  readonly queueSize: Gauge;
  readonly silenced: Counter;
  readonly activeSilences: Gauge;
  readonly notifiers: Gauge;
  readonly deliveryDuration: Histogram<'channel'>;
}

export function createNotifyMetrics(registry: Registry): NotifyMetrics {
  const registers = [registry];
  return {
    sent: new Counter({
      name: 'vantage_alerts_notifications_sent_total',
      help: 'Notifications a channel accepted, by channel',
      labelNames: ['channel'],
      registers,
    }),
    failed: new Counter({
      name: 'vantage_alerts_notifications_failed_total',
      help: 'Notifications that failed after their retries (GET /v1/notifications?state=failed lists them), by channel',
      labelNames: ['channel'],
      registers,
    }),
    retries: new Counter({
      name: 'vantage_alerts_notification_retries_total',
      help: 'Attempts at a notification after a retryable failure, by channel',
      labelNames: ['channel'],
      registers,
    }),
    refused: new Counter({
      name: 'vantage_alerts_notifications_refused_total',
      help: 'Notifications refused before any attempt, by reason (queue_full)',
      labelNames: ['reason'],
      registers,
    }),
    queueSize: new Gauge({
      name: 'vantage_alerts_notification_queue_size',
      help: 'Notifications waiting for or in delivery',
      registers,
    }),
    silenced: new Counter({
      name: 'vantage_alerts_silenced_total',
      help: 'Alerts left out of a notification because a silence matched them',
      registers,
    }),
    activeSilences: new Gauge({
      name: 'vantage_alerts_silences_active',
      help: 'Silences in force or yet to start',
      registers,
    }),
    notifiers: new Gauge({
      name: 'vantage_alerts_notifiers',
      help: 'Notifiers configured (rules files, API and --alertmanager-url)',
      registers,
    }),
    deliveryDuration: new Histogram({
      name: 'vantage_alerts_notification_delivery_duration_seconds',
      help: 'Time from handing a notification to its channel to its final outcome, retries included, by channel',
      labelNames: ['channel'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}
