import type { Command } from 'commander';
import { ConfigError, SETTINGS, parseConfig } from '../config/index.js';
import type { SettingKey, VantageConfig } from '../config/index.js';

/** Adds a flag for each setting, with its variable and default in the help text. */
export function addSettingOptions(command: Command, keys: readonly SettingKey[]): Command {
  for (const key of keys) {
    const spec = SETTINGS[key];
    const shown =
      'secret' in spec && spec.secret ? '' : ` (default: ${spec.default === '' ? 'none' : spec.default})`;
    command.option(`${spec.flag} <value>`, `${spec.description}; env ${spec.env}${shown}`);
  }
  return command;
}

/** Flags first, then VANTAGE_* variables, then defaults. */
export function resolveConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): VantageConfig {
  const raw: Partial<Record<SettingKey, string>> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
    const flag = flags[key];
    const value = typeof flag === 'string' ? flag : env[spec.env];
    if (value !== undefined) raw[key] = value;
  }
  return parseConfig(raw);
}

export { ConfigError };
