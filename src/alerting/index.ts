export { notifierConfigSchema, notifiersSectionSchema } from './alert.js';
export type { AlertInstance, AlertSink, AlertState, NotifierConfig } from './alert.js';
export { NotificationService } from './notify/notification-service.js';
export { notificationRoutes } from './notify/notify-routes.js';
export { createNotifyMetrics } from './notify/notify-metrics.js';
export { SqliteNotifyStore } from './notify/sqlite-notify-store.js';
export { ClickHouseNotifyStore } from './notify/clickhouse-notify-store.js';
export type { Silence } from './notify/silence.js';
export { notifySettings } from './notify/notify-settings.js';
export { openDistributedNotifications, openEmbeddedNotifications } from './notify/open-notifications.js';
export {
  ALERTING_SETTINGS,
  DISTRIBUTED_ALERTING_SETTINGS,
  alertingStateFile,
  rulesLimits,
} from './alerting-settings.js';
export { alertingRoutes } from './alerting-routes.js';
export { startAlerting } from './alerting-service.js';
export type { AlertingRouteOptions } from './alerting-routes.js';
export { SqliteAlertStateStore } from './sqlite-alert-state-store.js';
export { ClickHouseAlertStateStore } from './clickhouse-alert-state-store.js';
export { startDistributedAlerting } from './distributed-alerting.js';
export { LoggingAlertSink } from './logging-alert-sink.js';
export { Ruler } from './ruler.js';
export { RulesDirectory } from './rules-directory.js';
export { RuleSet } from './rule-set.js';
export { formatProblem, parseRulesFile } from './rules-file.js';
export type { LocatedProblem } from './rules-file.js';
export type { RulesDocument } from './rules-schema.js';
export type { Rule, RuleGroup } from './rule.js';
