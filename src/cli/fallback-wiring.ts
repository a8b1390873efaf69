import type { Logger } from 'pino';
import type { RoleConfig } from '../config/index.js';
import { OutboxMergedStore, OutboxReader, SqliteOutbox } from '../storage/index.js';
import type { Store } from '../storage/index.js';
import { fallbackOutboxes } from '../worker/index.js';
import { clickHouseStore } from './distributed-wiring.js';

/**
 * The query API's store: ClickHouse, and with `--fallback sqlite` the workers' outboxes merged
 * into its answers (files that do not exist yet are read once they do).
 */
export function queryStore(config: RoleConfig, logger: Logger): Store {
  const clickhouse = clickHouseStore(config);
  const outboxes = fallbackOutboxes(config);
  if (outboxes === undefined) return clickhouse;
  logger.info(
    { outboxes },
    'answers include the fallback outboxes of these workers (batches not yet in ClickHouse)',
  );
  return new OutboxMergedStore(
    clickhouse,
    outboxes.map((path) => new OutboxReader(path)),
    clickhouse,
  );
}

/** The worker's outbox with `--fallback sqlite`: opened (created) at start, so a bad path fails at boot. */
export function workerOutbox(config: RoleConfig): SqliteOutbox | undefined {
  const outboxes = fallbackOutboxes(config);
  if (outboxes === undefined) return undefined;
  const [path] = outboxes;
  if (path === undefined) throw new Error('--fallback-path names no file');
  return new SqliteOutbox(path);
}
