export { notifierConfigSchema, notifiersSectionSchema } from './alert.js';
export type { AlertInstance, AlertSink, AlertState, NotifierConfig } from './alert.js';
export { NotificationService, SETTINGS_ALERTMANAGER_NOTIFIER } from './notify/notification-service.js';
export type {
  NotificationServiceOptions,
  NotifierView,
  NotifyLimits,
} from './notify/notification-service.js';
export { notificationRoutes } from './notify/notify-routes.js';
export { createNotifyMetrics } from './notify/notify-metrics.js';
export type { NotifyMetrics } from './notify/notify-metrics.js';
export { SqliteNotifyStore } from './notify/sqlite-notify-store.js';
export { ClickHouseNotifyStore } from './notify/clickhouse-notify-store.js';
export type { ClickHouseNotifyStoreOptions } from './notify/clickhouse-notify-store.js';
export type { NotifyStore, NotificationRecord, NotificationLogEntry } from './notify/notify-store.js';
export { SIGNATURE_HEADER, signBody } from './notify/channels/webhook-channel.js';
export { NOTIFY_BACKOFF } from './notify/notification-sender.js';
export type { Silence } from './notify/silence.js';
export type { Matcher } from './notify/matchers.js';
export { notifySettings } from './notify/notify-settings.js';
export type { NotifySettings } from './notify/notify-settings.js';
export {
  alertingDbPath,
  openDistributedNotifications,
  openEmbeddedNotifications,
} from './notify/open-notifications.js';
