export { PipelineWorker } from './pipeline-worker.js';
export type { PipelineWorkerOptions } from './pipeline-worker.js';
export { createWorkerMetrics } from './worker-metrics.js';
export type { WorkerMetrics } from './worker-metrics.js';
export { RetentionJob } from './retention-job.js';
