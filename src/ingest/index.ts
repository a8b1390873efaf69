export { buildCollectorServer } from './collector-server.js';
export type { CollectorServerOptions } from './collector-server.js';
export { BatchPublisher } from './batch-publisher.js';
export type { BatchPublisherOptions } from './batch-publisher.js';
export { createCollectorMetrics } from './collector-metrics.js';
export type { CollectorMetrics } from './collector-metrics.js';
export { SampleValidator } from './sample-validator.js';
export type { Rejection, ValidatedBatch, ValidationLimits } from './sample-validator.js';
export { envelopeSchema, metricSchema } from './metric-schema.js';
