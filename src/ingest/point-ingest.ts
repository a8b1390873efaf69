import type { PointColumns, PointRejection } from '../core/index.js';

/** What became of a request's points. */
export interface PointIngestResult {
  /** Points accepted: durable on the bus when submit resolves. */
  readonly accepted: number;
  /** Points refused, by the decoder or the pipeline. */
  readonly rejected: number;
  /** Why, the first 20 reasons: code, field, message. */
  readonly rejections: readonly PointRejection[];
}

/**
 * The ingest pipeline for decoded protocols (OTLP, remote_write, scrapes): validates each series and
 * point with the JSON path's limits and codes, counts new series against the series limits, folds
 * the points into the minute aggregates and resolves once they are durable on the bus.
 */
export interface PointIngest {
  /**
   * Throws VantageError VTG_INGEST_OVERLOADED (503, retryAfter) when the buffer is full,
   * VTG_INGEST_BUS_UNAVAILABLE (503) when the bus did not take it, VTG_SERVICE_UNAVAILABLE when
   * closing. Resolves with accepted 0 and nothing published when every point was refused.
   */
  submit(columns: PointColumns, now: number): Promise<PointIngestResult>;
}
