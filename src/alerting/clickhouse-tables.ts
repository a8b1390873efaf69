import { connectClickHouse } from '../storage/index.js';
import type { ClickHouseConnectionOptions } from '../storage/index.js';
import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The alerting side's own tables in Vantage's ClickHouse database (the ruler's `alert_*`, the
 * notification side's `notify_*`): created on open, since the API runs no migration (its user needs
 * CREATE TABLE and INSERT on them), and written as JSON rows. Where a table changes, each change is
 * an insert of a new version (`nextVersion`) and reads take the latest (ReplacingMergeTree ...
 * FINAL), so no update is ever in place and several API processes may write.
 */
export class ClickHouseTables {
  private constructor(
    private readonly client: ClickHouseClient,
    readonly database: string,
  ) {}

  /** Connects and runs `ddl(database)` (CREATE TABLE IF NOT EXISTS ...); closes the client if one fails. */
  static async open(
    options: ClickHouseConnectionOptions,
    application: string,
    ddl: (database: string) => readonly string[],
  ): Promise<ClickHouseTables> {
    const { client, database } = connectClickHouse(options, application);
    try {
      for (const query of ddl(database)) await client.command({ query });
    } catch (err) {
      await client.close();
      throw err;
    }
    return new ClickHouseTables(client, database);
  }

  async select<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  /** `table` without the database, which this adds. */
  async insert(table: string, values: readonly object[]): Promise<void> {
    await this.client.insert({
      table: `${this.database}.${table}`,
      values: [...values],
      format: 'JSONEachRow',
    });
  }

  async command(query: string, params: Record<string, unknown> = {}): Promise<void> {
    await this.client.command({ query, query_params: params });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

let lastVersion = 0;
/** A row's version: increasing within this process, and across processes as far as their clocks agree. */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}
