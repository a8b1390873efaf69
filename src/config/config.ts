import { httpTimeoutProblems } from '../http/http-settings.js';
import { COLLECTOR_ROLE_BUFFER_MAX_SAMPLES } from '../ingest/collector-settings.js';
import { workerFallbackProblems } from '../worker/fallback-settings.js';
import { AGENT_SETTINGS, DISTRIBUTED_SETTINGS, SETTINGS } from './settings.js';
import type { SettingKey } from './settings.js';
import { ConfigError, parseSettings, redactSettings } from './setting-spec.js';
import type { ParsedSettings } from './setting-spec.js';

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
  problems.push(
    ...portClashes(values, [
      'collectorPort',
      'otlpHttpPort',
      'otlpGrpcPort',
      'apiPort',
      'apiMetricsPort',
      'workerMetricsPort',
    ]),
  );
  problems.push(...httpTimeoutProblems(values));
  if (problems.length > 0) throw new ConfigError(problems);
  return values as VantageConfig;
}

type PortKey =
  'collectorPort' | 'otlpHttpPort' | 'otlpGrpcPort' | 'apiPort' | 'apiMetricsPort' | 'workerMetricsPort';

/** Ports given twice among those one process listens on (0, a random port, and `off` never clash). */
function portClashes(values: Partial<Record<PortKey, unknown>>, keys: readonly PortKey[]): string[] {
  // Among the ports that parsed, whatever else failed, so that one run names every problem.
  const ports = keys.flatMap((k): [PortKey, number][] => {
    const v = values[k];
    return typeof v === 'number' ? [[k, v]] : [];
  });
  const problems: string[] = [];
  for (const [i, [key, value]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, v]) => v === value && v !== 0);
    if (clash)
      problems.push(`${SETTINGS[key].flag} = ${value} is already taken by ${SETTINGS[clash[0]].flag}`);
  }
  return problems;
}

/**
 * The server settings a distributed role shares with `vantage start`: all but the data directory
 * and the threads that read the embedded SQLite store.
 */
const {
  dataDir: _embeddedOnly,
  queryThreads: _sqliteOnly,
  queryQueueMax: _sqliteQueueOnly,
  ...SHARED_SETTINGS
} = SETTINGS;

/** Every setting a distributed role reads: the shared server settings and Kafka, ClickHouse, breaker. */
export const ROLE_SETTINGS = { ...SHARED_SETTINGS, ...DISTRIBUTED_SETTINGS };
export type RoleSettingKey = keyof typeof ROLE_SETTINGS;
/** ROLE_SETTINGS with each default widened to any text, so a role can have defaults of its own. */
type RoleSettingsTable = {
  readonly [K in RoleSettingKey]: Omit<(typeof ROLE_SETTINGS)[K], 'default'> & { readonly default: string };
};
export type RoleConfig = ParsedSettings<typeof ROLE_SETTINGS>;
export type DistributedRole = 'collector' | 'worker' | 'api' | 'migrate';

/** The settings of one role: the shared table, with the defaults that differ for that role. */
export function roleSettings(role: DistributedRole): RoleSettingsTable {
  if (role !== 'collector') return ROLE_SETTINGS;
  return {
    ...ROLE_SETTINGS,
    bufferMaxSamples: { ...ROLE_SETTINGS.bufferMaxSamples, default: COLLECTOR_ROLE_BUFFER_MAX_SAMPLES },
  };
}

const ROLE_NEEDS: Record<
  DistributedRole,
  { readonly ports: readonly PortKey[]; readonly required: readonly RoleSettingKey[] }
> = {
  collector: { ports: ['collectorPort', 'otlpHttpPort', 'otlpGrpcPort'], required: ['kafkaBrokers'] },
  worker: { ports: ['workerMetricsPort'], required: ['kafkaBrokers', 'clickhouseUrl'] },
  api: { ports: ['apiPort', 'apiMetricsPort'], required: ['clickhouseUrl'] },
  migrate: { ports: [], required: ['clickhouseUrl'] },
};

/**
 * Parses the settings of one distributed role, filling defaults. Fails with every bad setting
 * named: a bad value, a setting the role requires but was not given, a port given twice among
 * the ports this role listens on.
 */
export function parseRoleConfig(
  role: DistributedRole,
  raw: Partial<Record<RoleSettingKey, string | undefined>>,
): RoleConfig {
  const { values, problems } = parseSettings(roleSettings(role), raw);
  const needs = ROLE_NEEDS[role];
  for (const key of needs.required) {
    const value = values[key];
    if (value === '' || (Array.isArray(value) && value.length === 0)) {
      const spec = ROLE_SETTINGS[key];
      problems.push(`${spec.flag} / ${spec.env} is required by vantage ${role}`);
    }
  }
  problems.push(...portClashes(values, needs.ports));
  problems.push(...httpTimeoutProblems(values));
  if (role === 'worker') problems.push(...workerFallbackProblems(values));
  if (problems.length > 0) throw new ConfigError(problems);
  return values as RoleConfig;
}

/** A role's configuration with secrets masked, for the start-up log line. */
export function redactedRoleConfig(config: RoleConfig): Record<string, unknown> {
  return redactSettings(ROLE_SETTINGS, config);
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
