import { canonicalTags, VantageError } from '../core/index.js';
import type { ActiveSeriesTracker, SeriesLimitScope } from './active-series.js';
import type { CollectorMetrics } from './collector-metrics.js';
import type { Rejection, ValidatedBatch } from './sample-validator.js';

/** The setting that raises each limit, named in the refusal. */
export const SERIES_LIMIT_SETTING: Readonly<Record<SeriesLimitScope, string>> = {
  metric: '--max-series-per-metric',
  service: '--max-series-per-service',
  total: '--max-active-series',
};

/**
 * The series limits applied to a validated request, sample by sample: a sample of a new series
 * past a limit becomes a rejection like any invalid metric (index, code, field), the rest go on.
 */
export class SeriesAdmission {
  constructor(
    private readonly tracker: ActiveSeriesTracker,
    private readonly metrics: CollectorMetrics,
  ) {}

  admit(batch: ValidatedBatch, now: number): ValidatedBatch {
    const samples: ValidatedBatch['samples'] = [];
    const indexes: number[] = [];
    const refused: Rejection[] = [];
    for (let i = 0; i < batch.samples.length; i++) {
      const s = batch.samples[i] as ValidatedBatch['samples'][number];
      const index = batch.indexes[i] as number;
      const refusal = this.tracker.admit(s.service, s.name, s.type, canonicalTags(s.tags), now);
      if (refusal === undefined) {
        samples.push(s);
        indexes.push(index);
        continue;
      }
      this.metrics.seriesLimitRejections.inc({ limit: refusal.scope });
      const what =
        refusal.scope === 'metric'
          ? `${s.service}/${s.name}`
          : refusal.scope === 'service'
            ? s.service
            : 'this collector';
      const err = new VantageError('VTG_INGEST_SERIES_LIMIT', {
        params: {
          scope: refusal.scope,
          what,
          limit: refusal.limit,
          setting: SERIES_LIMIT_SETTING[refusal.scope],
        },
      });
      refused.push({ index, code: err.code, field: `metrics[${index}].tags`, message: err.message });
    }
    this.metrics.activeSeries.set(this.tracker.activeSeries);
    if (refused.length === 0) return { samples, indexes, rejected: batch.rejected };
    const rejected = [...batch.rejected, ...refused].sort((a, b) => a.index - b.index);
    return { samples, indexes, rejected };
  }
}
