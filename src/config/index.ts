export { SETTINGS } from './settings.js';
export type { SettingKey } from './settings.js';
export { AGENT_SETTINGS } from './agent-settings.js';
export { DISTRIBUTED_SETTINGS } from './distributed-settings.js';
export type { DistributedSettingKey } from './distributed-settings.js';
export { ConfigError } from './setting-spec.js';
export type { ParsedSettings, SettingSpec, SettingsTable } from './setting-spec.js';
export {
  COLLECTOR_ROLE_BUFFER_MAX_SAMPLES,
  ROLE_SETTINGS,
  parseAgentConfig,
  parseConfig,
  parseRoleConfig,
  redactedConfig,
  redactedRoleConfig,
  roleSettings,
} from './config.js';
export type { AgentConfig, DistributedRole, RoleConfig, RoleSettingKey, VantageConfig } from './config.js';
