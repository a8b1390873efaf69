import { expect } from 'vitest';
import { settingsText } from '../../src/cli/options.js';
import { parseRoleConfig, roleSettings } from '../../src/config/index.js';
import type { DistributedRole, RoleConfig } from '../../src/config/index.js';

/**
 * What a deployment (the Helm chart, a Compose file) hands a Vantage role in its environment:
 * only variables that are settings of that role, in values the role parses at boot. Returns the
 * configuration the role would run with.
 */
export function expectRoleEnv(
  role: DistributedRole,
  names: readonly string[],
  values: Record<string, string | undefined>,
): RoleConfig {
  const settings = roleSettings(role);
  const known = new Set<string>(Object.values(settings).map((s) => s.env));
  for (const name of names) expect(known.has(name), `${role}: ${name}`).toBe(true);
  let config: RoleConfig | undefined;
  expect(() => {
    config = parseRoleConfig(role, settingsText(settings, {}, values));
  }, role).not.toThrow();
  return config as RoleConfig;
}
