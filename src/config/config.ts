import type { z } from 'zod';
import { SETTINGS } from './settings.js';
import type { SettingKey } from './settings.js';

type SettingsTable = typeof SETTINGS;

/** The parsed, typed configuration every role is built from. */
export type VantageConfig = { -readonly [K in SettingKey]: z.output<SettingsTable[K]['schema']> };

/** Raised at boot when a setting is wrong; the message names the setting's flag and variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses settings given as text (from flags, environment or a test), filling defaults.
 * Fails with every bad setting named, not only the first.
 */
export function parseConfig(raw: Partial<Record<SettingKey, string | undefined>>): VantageConfig {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, SettingsTable[SettingKey]][]) {
    const text = raw[key] ?? ('default' in spec ? spec.default : undefined);
    const result = (spec.schema as z.ZodType).safeParse(text);
    if (result.success) out[key] = result.data;
    else {
      const reason = result.error.issues.map((i) => i.message).join('; ');
      problems.push(`${spec.flag} / ${spec.env} = ${JSON.stringify(text)}: ${reason}`);
    }
  }
  const config = out as VantageConfig;
  // Among the ports that parsed, whatever else failed, so that one run names every problem.
  const ports = (['collectorPort', 'apiPort', 'apiMetricsPort', 'workerMetricsPort'] as const)
    .filter((k) => typeof out[k] === 'number')
    .map((k): [SettingKey, number] => [k, config[k]]);
  for (const [i, [key, value]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, v]) => v === value && v !== 0);
    if (clash)
      problems.push(`${SETTINGS[key].flag} = ${value} is already taken by ${SETTINGS[clash[0]].flag}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The configuration with secrets masked, for the start-up log line. */
export function redactedConfig(config: VantageConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const [key, spec] of Object.entries(SETTINGS)) {
    if ('secret' in spec && spec.secret) {
      const value = out[key];
      out[key] = Array.isArray(value) ? value.map(() => '***') : '***';
    }
  }
  return out;
}
