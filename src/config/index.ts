export { AGENT_SETTINGS, DISTRIBUTED_SETTINGS, SETTINGS } from './settings.js';
export type { DistributedSettingKey, SettingKey } from './settings.js';
export { ConfigError } from './setting-spec.js';
export type { ParsedSettings, SettingSpec, SettingsTable } from './setting-spec.js';
export {
  ROLE_SETTINGS,
  parseAgentConfig,
  parseConfig,
  parseRoleConfig,
  redactedConfig,
  redactedRoleConfig,
  roleSettings,
} from './config.js';
export type { AgentConfig, DistributedRole, RoleConfig, RoleSettingKey, VantageConfig } from './config.js';
