import type { Registry } from 'prom-client';
import type { RetentionReport, TableSize } from '../storage/index.js';
import { metricsOn } from '../telemetry/index.js';

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
  const m = metricsOn(registry);
  const runs = m.counter('vantage_worker_retention_runs_total', 'Retention runs by outcome (ok, failed)', [
    'outcome',
  ]);
  const duration = m.histogram(
    'vantage_worker_retention_duration_seconds',
    'Time of one retention run',
    [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
  );
  const rowsDeleted = m.counter(
    'vantage_worker_retention_rows_deleted_total',
    'Aggregate rows removed by retention, per tier',
    ['tier'],
  );
  const seriesDeleted = m.counter(
    'vantage_worker_retention_series_deleted_total',
    'Series forgotten by retention (silent for longer than the longest retention)',
  );
  const diskBytes = m.gauge(
    'vantage_storage_disk_bytes',
    "Bytes the store takes on disk (SQLite: the file and its WAL; ClickHouse: the database's active parts)",
    ['store'],
  );
  const tableRows = m.gauge(
    'vantage_storage_table_rows',
    'Rows per table, measured after each retention run (tier: 1m, 5m, 1h, 1d, or none)',
    ['store', 'table', 'tier'],
  );
  const tableBytes = m.gauge(
    'vantage_storage_table_bytes',
    'Bytes on disk per table with its indexes, measured after each retention run',
    ['store', 'table', 'tier'],
  );
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
