import { join } from 'node:path';
import { z } from 'zod';
import { limitCountSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { RulesLimits } from './rules-limits.js';

/** Settings of the ruler (docs/alerting.md; the limits also in docs/operations.md). */
export const ALERTING_SETTINGS = {
  rulesDir: {
    flag: '--rules-dir',
    env: 'VANTAGE_RULES_DIR',
    default: '',
    schema: z.string(),
    description:
      'Directory of alerting rules files (*.yml, *.yaml), re-read on change and on SIGHUP; empty: rules through the API only',
  },
  alertMaxRules: {
    flag: '--alert-max-rules',
    env: 'VANTAGE_ALERT_MAX_RULES',
    default: '10000',
    schema: limitCountSchema,
    description: 'Most alerting rules in force, files and API together (VTG_RULES_TOO_MANY)',
  },
  alertMaxInstancesPerRule: {
    flag: '--alert-max-instances-per-rule',
    env: 'VANTAGE_ALERT_MAX_INSTANCES_PER_RULE',
    default: '1000',
    schema: limitCountSchema,
    description:
      'Most alert instances (rows) one rule may hold; rows past it are dropped (VTG_ALERT_TOO_MANY_INSTANCES)',
  },
} as const satisfies Record<string, SettingSpec>;

/** The distributed ruler's settings (`vantage api`): where its members meet to pick the one that evaluates. */
export const DISTRIBUTED_ALERTING_SETTINGS = {
  rulerTopic: {
    flag: '--ruler-topic',
    env: 'VANTAGE_RULER_TOPIC',
    default: 'vantage-ruler',
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1-249 of letters, digits, . _ -'),
    description:
      'Kafka topic (one partition, created at start) and consumer group whose partition holder is the one API that evaluates alerting rules',
  },
} as const satisfies Record<string, SettingSpec>;

export function rulesLimits(values: {
  readonly alertMaxRules: number;
  readonly alertMaxInstancesPerRule: number;
}): RulesLimits {
  return { maxRules: values.alertMaxRules, maxInstancesPerRule: values.alertMaxInstancesPerRule };
}

/** Alerting's SQLite file in the data directory: the ruler's tables and the notification side's (`notify_*`). */
export function alertingStateFile(values: { readonly dataDir: string }): string {
  return join(values.dataDir, 'alerting.db');
}
