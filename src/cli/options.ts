import type { Command } from 'commander';
import type { SettingsTable } from '../config/index.js';

/** Adds a flag for each setting of a table, with its variable and default in the help text. */
export function addSettingOptions(command: Command, table: SettingsTable): Command {
  for (const spec of Object.values(table)) {
    const shown =
      spec.secret || spec.default === undefined
        ? ''
        : ` (default: ${spec.default === '' ? 'none' : spec.default})`;
    const help = `${spec.description}; env ${spec.env}${shown}`;
    if (spec.repeatable)
      command.option(`${spec.flag} <value>`, help, (value: string, previous: string | undefined) =>
        previous === undefined ? value : `${previous} ${value}`,
      );
    else command.option(`${spec.flag} <value>`, help);
  }
  return command;
}

/** Each setting's text: the flag when given, else its VANTAGE_* variable (defaults come later). */
export function settingsText<T extends SettingsTable>(
  table: T,
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Partial<Record<keyof T, string>> {
  const raw: Partial<Record<keyof T, string>> = {};
  for (const [key, spec] of Object.entries(table)) {
    const flag = flags[key];
    const value = typeof flag === 'string' ? flag : env[spec.env];
    if (value !== undefined) raw[key as keyof T] = value;
  }
  return raw;
}
