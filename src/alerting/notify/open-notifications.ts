import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { NotificationService } from './notification-service.js';
import { createNotifyMetrics } from './notify-metrics.js';
import type { NotifySettings } from './notify-settings.js';
import { SqliteNotifyStore } from './sqlite-notify-store.js';

/** The SQLite file of alerting's state in the data directory (the ruler's tables share it). */
export function alertingDbPath(dataDir: string): string {
  return join(dataDir, 'alerting.db');
}

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
  readonly externalUrl?: string;
}): Promise<NotificationService> {
  const store = new SqliteNotifyStore(alertingDbPath(options.dataDir));
  const service = await NotificationService.open({
    store,
    metrics: createNotifyMetrics(options.registry),
    logger: options.logger.child({ component: 'notify' }),
    limits: options.settings.limits,
    alertmanagerUrls: options.settings.alertmanagerUrls,
    externalUrl: options.externalUrl ?? '',
    closeStore: true,
  });
  service.start();
  return service;
}
