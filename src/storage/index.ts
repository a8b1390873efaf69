export { SqliteStore } from './sqlite/sqlite-store.js';
export { queryThreadOptions } from './sqlite/query-thread-settings.js';
export { embeddedPaths } from './sqlite/data-dir-settings.js';
export { STORE_TABLES, backupSqliteStore, restoreSqliteStore } from './sqlite/sqlite-backup.js';
export type { BackupProgress } from './sqlite/sqlite-backup.js';
export { connectClickHouse } from './clickhouse/clickhouse-connection.js';
export type { ClickHouseConnectionOptions } from './clickhouse/clickhouse-connection.js';
export { clickHouseStoreOptions, clickHouseTraceStoreOptions } from './clickhouse/clickhouse-settings.js';
export type {
  Bucket,
  BucketGroup,
  BucketQuery,
  Checkpoint,
  DeadLetter,
  DeadLetterRecord,
  ExemplarQuery,
  ExemplarRecord,
  MetricSummary,
  PageRequest,
  RetentionReport,
  SavedPosition,
  SeriesSelector,
  ServiceSummary,
  Store,
  StoreStats,
  TableSize,
  WriteReport,
} from './store.js';
export { SqliteTraceStore } from './sqlite/sqlite-trace-store.js';
export { ClickHouseTraceStore } from './clickhouse/clickhouse-trace-store.js';
export type {
  ServiceCall,
  SpanWriteReport,
  TraceRetention,
  TraceSearch,
  TraceStore,
  TraceSummary,
} from './trace-store.js';
export { ClickHouseStore } from './clickhouse/clickhouse-store.js';
export { answerLimits } from './answer-limit-settings.js';
export { tierRetention, traceRetention } from './retention-settings.js';
export { SqliteOutbox } from './outbox/sqlite-outbox.js';
export type { OutboxSize } from './outbox/sqlite-outbox.js';
export { OutboxReader } from './outbox/outbox-reader.js';
export { SpanOutbox } from './outbox/span-outbox.js';
export { OutboxMergedStore } from './outbox/outbox-merged-store.js';
// The VQL compilers, for the benchmark and the docs test of VQL's examples.
export { compileSqlite } from './sqlite/sqlite-compiler.js';
export { compileClickHouse } from './clickhouse/clickhouse-compiler.js';
