import type { Database } from 'better-sqlite3';
import { TIERS } from '../../core/index.js';
import type { TableSize } from '../store.js';
import { tierTable } from './schema.js';

const TIER_OF_TABLE = new Map(TIERS.map((t) => [tierTable(t.name), t.name]));

/**
 * Rows and bytes of every table of the store file. Bytes come from dbstat (built into
 * better-sqlite3's SQLite) and count each table's indexes with it; both numbers read every page,
 * which is why the worker measures them after retention rather than at each scrape.
 */
export function sqliteTableSizes(db: Database): TableSize[] {
  const bytes = new Map(
    (
      db
        .prepare(
          `SELECT s.tbl_name AS name, sum(d.pgsize) AS bytes
           FROM dbstat('main', 1) AS d JOIN sqlite_schema AS s ON s.name = d.name
           WHERE s.tbl_name NOT LIKE 'sqlite_%'
           GROUP BY s.tbl_name`,
        )
        .all() as { name: string; bytes: number }[]
    ).map((r) => [r.name, r.bytes]),
  );
  return [...bytes.keys()].sort().map((table) => {
    // The name comes from sqlite_schema, not from a client; quoted all the same.
    const { n } = db.prepare(`SELECT count(*) AS n FROM "${table.replaceAll('"', '""')}"`).get() as {
      n: number;
    };
    const tier = TIER_OF_TABLE.get(table);
    return { table, ...(tier ? { tier } : {}), rows: n, bytes: bytes.get(table) ?? 0 };
  });
}
