import type { ClickHouseClient } from '@clickhouse/client';
import { dropPartitionStatement, storageTable } from './schema.js';
import type { SchemaOptions } from './schema.js';

/**
 * Drops, at once, every partition of a table that lies wholly before the cutoff (a metadata
 * operation, not a rewrite, unlike a TTL's deletes at merges); returns the rows they held.
 */
export async function dropPartitionsBefore(
  client: ClickHouseClient,
  o: SchemaOptions,
  name: string,
  cutoffMs: number,
): Promise<number> {
  const table = storageTable(o, name);
  const result = await client.query({
    query: `SELECT partition_id, sum(rows) AS rows FROM system.parts
            WHERE database = {db:String} AND table = {table:String} AND active
            GROUP BY partition_id HAVING toUnixTimestamp(max(max_time)) < {cutoff:Int64}`,
    query_params: { db: o.database, table, cutoff: Math.floor(cutoffMs / 1000) },
    format: 'JSONEachRow',
  });
  let removed = 0;
  for (const p of await result.json<{ partition_id: string; rows: string }>()) {
    await client.command({ query: dropPartitionStatement(o, table, p.partition_id) });
    removed += Number(p.rows);
  }
  return removed;
}
