export { SqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-store.js';
export type {
  Bucket,
  BucketGroup,
  BucketQuery,
  Checkpoint,
  MetricSummary,
  RetentionReport,
  SeriesSelector,
  ServiceSummary,
  Store,
  StoreStats,
} from './store.js';
