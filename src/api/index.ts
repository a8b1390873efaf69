export { buildApiServer } from './api-server.js';
export type { ApiServerOptions } from './api-server.js';
export { createApiMetrics } from './api-metrics.js';
export type { ApiMetrics } from './api-metrics.js';
