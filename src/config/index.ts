export { SETTINGS } from './settings.js';
export type { SettingKey, SettingSpec } from './settings.js';
export { ConfigError, parseConfig, redactedConfig } from './config.js';
export type { VantageConfig } from './config.js';
