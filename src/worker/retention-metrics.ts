import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RetentionReport, TableSize } from '../storage/index.js';

/**
 * What retention removed and how big the store is: the storage dashboard's numbers. The worker
 * runs retention, so they are the worker's metrics, on both stores alike.
 */
export interface RetentionMetrics {
  /** One retention run's outcome. */
  recordRun(outcome: 'ok' | 'failed', seconds: number, report?: RetentionReport): void;
  /** The store's size: the file or parts total (cheap) and, when measured, each table's. */
  recordSizes(bytesOnDisk: number, tables: readonly TableSize[] | undefined): void;
}

export function createRetentionMetrics(registry: Registry, store: string): RetentionMetrics {
  const registers = [registry];
  const runs = new Counter({
    name: 'vantage_worker_retention_runs_total',
    help: 'Retention runs by outcome (ok, failed)',
    labelNames: ['outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'vantage_worker_retention_duration_seconds',
    help: 'Time of one retention run',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers,
  });
  const rowsDeleted = new Counter({
    name: 'vantage_worker_retention_rows_deleted_total',
    help: 'Aggregate rows removed by retention, per tier',
    labelNames: ['tier'],
    registers,
  });
  const seriesDeleted = new Counter({
    name: 'vantage_worker_retention_series_deleted_total',
    help: 'Series forgotten by retention (silent for longer than the longest retention)',
    registers,
  });
  const diskBytes = new Gauge({
    name: 'vantage_storage_disk_bytes',
    help: "Bytes the store takes on disk (SQLite: the file and its WAL; ClickHouse: the database's active parts)",
    labelNames: ['store'],
    registers,
  });
  const tableRows = new Gauge({
    name: 'vantage_storage_table_rows',
    help: 'Rows per table, measured after each retention run (tier: 1m, 5m, 1h, 1d, or none)',
    labelNames: ['store', 'table', 'tier'],
    registers,
  });
  const tableBytes = new Gauge({
    name: 'vantage_storage_table_bytes',
    help: 'Bytes on disk per table with its indexes, measured after each retention run',
    labelNames: ['store', 'table', 'tier'],
    registers,
  });
  // Every tier from the start, so a rate over them exists before retention first removes a row.
  for (const tier of ['1m', '5m', '1h', '1d']) rowsDeleted.inc({ tier }, 0);
  seriesDeleted.inc(0);
  return {
    recordRun(outcome, seconds, report) {
      runs.inc({ outcome });
      duration.observe(seconds);
      if (report === undefined) return;
      for (const [tier, n] of Object.entries(report.deletedRows)) rowsDeleted.inc({ tier }, n);
      seriesDeleted.inc(report.deletedSeries);
    },
    recordSizes(bytesOnDisk, tables) {
      diskBytes.set({ store }, bytesOnDisk);
      if (tables === undefined) return;
      // A table dropped since the last measurement must not keep its old size.
      tableRows.reset();
      tableBytes.reset();
      for (const t of tables) {
        const labels = { store, table: t.table, tier: t.tier ?? 'none' };
        tableRows.set(labels, t.rows);
        tableBytes.set(labels, t.bytes);
      }
    },
  };
}
