export { PipelineWorker } from './pipeline-worker.js';
export type { PipelineWorkerOptions } from './pipeline-worker.js';
export { createConsumerLagGauge, createWorkerMetrics } from './worker-metrics.js';
export type { WorkerMetrics } from './worker-metrics.js';
export { RetentionJob } from './retention-job.js';
export { intentSource } from './pipeline-worker.js';
export { BREAKER_STATE_VALUE, CircuitBreaker } from './circuit-breaker.js';
export type { CircuitBreakerOptions, CircuitBreakerState } from './circuit-breaker.js';
