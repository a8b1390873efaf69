import { AGENT_SETTINGS } from './agent-settings.js';
import { SETTINGS } from './settings.js';
import type { SettingKey } from './settings.js';
import { ConfigError, parseSettings, redactSettings } from './settings-table.js';
import type { ParsedSettings } from './settings-table.js';

/** The parsed, typed configuration the server roles are built from. */
export type VantageConfig = ParsedSettings<typeof SETTINGS>;

/** The parsed configuration of `vantage agent`. */
export type AgentConfig = ParsedSettings<typeof AGENT_SETTINGS>;

/**
 * Parses the server settings given as text (from flags, environment or a test), filling defaults.
 * Fails with every bad setting named, not only the first.
 */
export function parseConfig(raw: Partial<Record<SettingKey, string | undefined>>): VantageConfig {
  const { values, problems } = parseSettings(SETTINGS, raw);
  // Among the ports that parsed, whatever else failed, so that one run names every problem.
  const ports = (['collectorPort', 'apiPort', 'apiMetricsPort', 'workerMetricsPort'] as const).flatMap(
    (k): [SettingKey, number][] => (typeof values[k] === 'number' ? [[k, values[k]]] : []),
  );
  for (const [i, [key, value]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, v]) => v === value && v !== 0);
    if (clash)
      problems.push(`${SETTINGS[key].flag} = ${value} is already taken by ${SETTINGS[clash[0]].flag}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as VantageConfig;
}

export function parseAgentConfig(
  raw: Partial<Record<keyof typeof AGENT_SETTINGS, string | undefined>>,
): AgentConfig {
  const { values, problems } = parseSettings(AGENT_SETTINGS, raw);
  if (problems.length > 0) throw new ConfigError(problems);
  return values as AgentConfig;
}

/** The configuration with secrets masked, for the start-up log line. */
export function redactedConfig(config: VantageConfig): Record<string, unknown> {
  return redactSettings(SETTINGS, config);
}
