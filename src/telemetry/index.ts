export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { createRoleRegistry } from './registry.js';
export type { Role } from './registry.js';
export { metricSet, metricsOn } from './metric-factory.js';
export type { MetricFactory, MetricName } from './metric-factory.js';
