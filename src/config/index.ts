export { SETTINGS } from './settings.js';
export type { SettingKey } from './settings.js';
export { AGENT_SETTINGS } from './agent-settings.js';
export { ConfigError } from './settings-table.js';
export type { ParsedSettings, SettingSpec, SettingsTable } from './settings-table.js';
export { parseAgentConfig, parseConfig, redactedConfig } from './config.js';
export type { AgentConfig, VantageConfig } from './config.js';
