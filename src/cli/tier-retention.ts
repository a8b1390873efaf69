import type { TierRetention } from '../core/index.js';
import type { VantageConfig } from '../config/index.js';
import type { AnswerLimits } from '../storage/index.js';

/** Retention per storage tier from the settings: raw covers the 1-minute and 5-minute tiers. */
export function tierRetention(
  config: Pick<VantageConfig, 'retentionRaw' | 'retentionHourly' | 'retentionDaily'>,
): TierRetention {
  return {
    '1m': config.retentionRaw,
    '5m': config.retentionRaw,
    '1h': config.retentionHourly,
    '1d': config.retentionDaily,
  };
}

/** The query limits of the settings, as the stores take them. */
export function answerLimits(
  config: Pick<
    VantageConfig,
    'queryMaxSeries' | 'queryMaxPoints' | 'queryMaxSeriesScanned' | 'queryMaxRowsScanned'
  >,
): AnswerLimits {
  return {
    maxSeries: config.queryMaxSeries,
    maxPoints: config.queryMaxPoints,
    maxSeriesScanned: config.queryMaxSeriesScanned,
    maxRowsScanned: config.queryMaxRowsScanned,
  };
}
