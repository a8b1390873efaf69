export { registerErrorHandling } from './error-handler.js';
export type { FrameworkErrorMapper } from './error-handler.js';
export { registerHealthRoutes } from './health.js';
export type { ReadinessCheck, ReadinessProblem } from './health.js';
export { registerMetricsRoute, buildMetricsServer } from './metrics-server.js';
export { ApiKeyVerifier } from './api-keys.js';
export { quietRequestLogs } from './quiet-request-logs.js';
export { registerGracefulClose } from './graceful-close.js';
