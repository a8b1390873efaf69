import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { checkIdentifier } from './schema.js';

/** Where a ClickHouse client connects: every part of Vantage that keeps tables there takes these. */
export interface ClickHouseConnectionOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Vantage's database; checked as an identifier, since it is written into SQL text. */
  readonly database?: string;
  /** Per request; 30 s by default. */
  readonly requestTimeoutMs?: number;
}

/**
 * The one way Vantage opens a ClickHouse client: the database name checked before it reaches any
 * SQL text, `application` naming the part of Vantage in ClickHouse's query log, and the client's
 * own log off (failures reach callers as errors of their own; the client's log would say it twice).
 */
export function connectClickHouse(
  options: ClickHouseConnectionOptions,
  application: string,
): { readonly client: ClickHouseClient; readonly database: string } {
  const database = checkIdentifier('database', options.database ?? 'vantage');
  const client = createClient({
    url: options.url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    request_timeout: options.requestTimeoutMs ?? 30_000,
    application,
    log: { level: ClickHouseLogLevel.OFF },
  });
  return { client, database };
}
