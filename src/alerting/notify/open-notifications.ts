import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ClickHouseNotifyStore } from './clickhouse-notify-store.js';
import type { ClickHouseNotifyStoreOptions } from './clickhouse-notify-store.js';
import { NotificationService } from './notification-service.js';
import { createNotifyMetrics } from './notify-metrics.js';
import type { NotifySettings } from './notify-settings.js';
import { SqliteNotifyStore } from './sqlite-notify-store.js';
import { alertingStateFile } from '../alerting-settings.js';

/**
 * Embedded notifications: the store in `<data-dir>/alerting.db`, the metrics on `registry` (the
 * query API's), the timer started. The cli hands the result to the ruler as its AlertSink, to
 * `setFileNotifiers` from the rules loader, and to the query API's `notificationRoutes`.
 */
export async function openEmbeddedNotifications(options: {
  readonly dataDir: string;
  readonly settings: NotifySettings;
  readonly registry: Registry;
  readonly logger: Logger;
}): Promise<NotificationService> {
  const store = new SqliteNotifyStore(alertingStateFile(options));
  const service = await NotificationService.open({
    store,
    metrics: createNotifyMetrics(options.registry),
    logger: options.logger.child({ component: 'notify' }),
    limits: options.settings.limits,
    alertmanagerUrls: options.settings.alertmanagerUrls,
    externalUrl: options.settings.externalUrl,
    closeStore: true,
  });
  service.start();
  return service;
}

/**
 * Silences and notifiers added through one `vantage api` reach the one running the ruler within
 * this long.
 */
export const DISTRIBUTED_RELOAD_MS = 10_000;

/**
 * Distributed notifications (`vantage api`): the state in ClickHouse (`notify_*` tables, created
 * here: the API's user needs CREATE TABLE and INSERT on them), silences and notifiers read again
 * every DISTRIBUTED_RELOAD_MS. Undefined, with the reason logged, when the tables cannot be made:
 * the query API then serves without notifications rather than not at all.
 */
export async function openDistributedNotifications(options: {
  readonly clickhouse: ClickHouseNotifyStoreOptions;
  readonly settings: NotifySettings;
  readonly registry: Registry;
  readonly logger: Logger;
}): Promise<NotificationService | undefined> {
  const logger = options.logger.child({ component: 'notify' });
  let store: ClickHouseNotifyStore;
  try {
    store = await ClickHouseNotifyStore.open(options.clickhouse);
  } catch (err) {
    logger.error({ err }, 'notifications are off: their ClickHouse tables could not be created');
    return undefined;
  }
  const service = await NotificationService.open({
    store,
    metrics: createNotifyMetrics(options.registry),
    logger,
    limits: options.settings.limits,
    alertmanagerUrls: options.settings.alertmanagerUrls,
    externalUrl: options.settings.externalUrl,
    closeStore: true,
    reloadEveryMs: DISTRIBUTED_RELOAD_MS,
  });
  service.start();
  return service;
}
