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
export { openDistributedNotifications, openEmbeddedNotifications } from './notify/open-notifications.js';
export {
  ALERTING_SETTINGS,
  DISTRIBUTED_ALERTING_SETTINGS,
  alertingStateFile,
  rulesLimits,
} from './alerting-settings.js';
export { alertingRoutes } from './alerting-routes.js';
export { startAlerting } from './alerting-service.js';
export type { AlertingService, AlertingServiceOptions } from './alerting-service.js';
export type { AlertingRouteOptions } from './alerting-routes.js';
export type { AlertStateStore, HistoryEntry, HistoryQuery } from './alert-state-store.js';
export { SqliteAlertStateStore } from './sqlite-alert-state-store.js';
export { ClickHouseAlertStateStore } from './clickhouse-alert-state-store.js';
export type { ClickHouseAlertStateStoreOptions } from './clickhouse-alert-state-store.js';
export { RULER_SESSION_TIMEOUT_MS, startDistributedAlerting } from './distributed-alerting.js';
export type { DistributedAlertingOptions } from './distributed-alerting.js';
export { LoggingAlertSink } from './logging-alert-sink.js';
export { createRulerMetrics } from './ruler-metrics.js';
export type { RulerMetrics } from './ruler-metrics.js';
export { Ruler } from './ruler.js';
export type { Leadership, RulerOptions } from './ruler.js';
export { RulesDirectory, loadRulesDirectory } from './rules-directory.js';
export { RuleSet } from './rule-set.js';
export type { RulesDirectoryLoad, RulesDirectoryOptions } from './rules-directory.js';
export { formatProblem, parseRulesFile } from './rules-file.js';
export type { LocatedProblem, RulesFileResult } from './rules-file.js';
export type { RulesDocument } from './rules-schema.js';
export { DEFAULT_RULES_LIMITS } from './rules-limits.js';
export type { RulesLimits } from './rules-limits.js';
export type { Rule, RuleGroup } from './rule.js';
