import { describe, expect, it } from 'vitest';
import { parseRoleConfig, redactedRoleConfig, roleSettings } from './config.js';
import type { DistributedRole, RoleSettingKey } from './config.js';
import { DISTRIBUTED_SETTINGS } from './settings.js';
import { ConfigError } from './setting-spec.js';

const KAFKA = { kafkaBrokers: 'kafka-1:9092, kafka-2:9092' };
const CLICKHOUSE = { clickhouseUrl: 'http://clickhouse:8123' };

function problems(role: DistributedRole, raw: Partial<Record<RoleSettingKey, string>>): readonly string[] {
  try {
    parseRoleConfig(role, raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('parseRoleConfig', () => {
  it('parses the defaults of Kafka, ClickHouse and the breaker', () => {
    const c = parseRoleConfig('worker', { ...KAFKA, ...CLICKHOUSE });
    expect(c.kafkaBrokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(c.kafkaTopic).toBe('metrics-raw');
    expect(c.kafkaPartitions).toBe(4);
    expect(c.kafkaGroup).toBe('vantage-worker');
    expect(c.clickhouseDatabase).toBe('vantage');
    expect(c.clickhouseUser).toBe('default');
    expect(c.clickhouseCluster).toBeUndefined();
    expect(c.breakerFailures).toBe(5);
    expect(c.breakerProbeInterval).toBe(60_000);
    expect(c.instanceId).toMatch(/-\d+$/);
    // The shared server settings come along.
    expect(c.workerMetricsPort).toBe(9092);
    expect(c.retentionRaw).toBe(90 * 86_400_000);
    expect('dataDir' in c).toBe(false);
  });

  it('gives every distributed setting its own flag and VANTAGE_* variable', () => {
    const specs = Object.values(DISTRIBUTED_SETTINGS);
    for (const spec of specs) {
      expect(spec.flag).toMatch(/^--[a-z][a-z0-9-]*$/);
      expect(spec.env).toMatch(/^VANTAGE_[A-Z0-9_]+$/);
    }
    expect(new Set(specs.map((s) => s.env)).size).toBe(specs.length);
  });

  it.each([
    ['collector', ['--kafka-brokers']],
    ['worker', ['--kafka-brokers', '--clickhouse-url']],
    ['api', ['--clickhouse-url']],
    ['migrate', ['--clickhouse-url']],
  ] as const)('names what vantage %s requires and was not given', (role, flags) => {
    const found = problems(role, {});
    expect(found).toHaveLength(flags.length);
    for (const flag of flags) {
      expect(found.some((p) => p.startsWith(flag) && p.endsWith(`is required by vantage ${role}`))).toBe(
        true,
      );
    }
  });

  it.each([
    ['kafkaBrokers', 'kafka-1'],
    ['kafkaTopic', 'metrics raw'],
    ['kafkaPartitions', '0'],
    ['clickhouseUrl', 'clickhouse:8123'],
    ['clickhouseDatabase', 'vantage-prod'],
    ['clickhouseCluster', '1cluster'],
    ['breakerFailures', 'many'],
    ['breakerProbeInterval', 'later'],
    ['instanceId', 'has space'],
  ] as const)('rejects %s = %j, naming its flag and variable', (key, value) => {
    const found = problems('worker', { ...KAFKA, ...CLICKHOUSE, [key]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${DISTRIBUTED_SETTINGS[key].flag} / ${DISTRIBUTED_SETTINGS[key].env}`);
  });

  it('checks port clashes only among the ports the role listens on', () => {
    // The worker listens only on its metrics port: the collector's default 8000 is no clash.
    expect(
      parseRoleConfig('worker', { ...KAFKA, ...CLICKHOUSE, workerMetricsPort: '8000' }).workerMetricsPort,
    ).toBe(8000);
    expect(problems('api', { ...CLICKHOUSE, apiMetricsPort: '5000' })).toEqual([
      '--api-metrics-port = 5000 is already taken by --api-port',
    ]);
  });

  it('reads an empty cluster as none and masks the password in the start-up log', () => {
    const c = parseRoleConfig('api', { ...CLICKHOUSE, clickhouseCluster: ' ', clickhousePassword: 's3cret' });
    expect(c.clickhouseCluster).toBeUndefined();
    expect(c.clickhousePassword).toBe('s3cret');
    expect(JSON.stringify(redactedRoleConfig(c))).not.toContain('s3cret');
  });
});

describe('the collector role buffer', () => {
  it('holds at most 10,000 samples by default, the other roles and embedded mode 100,000', () => {
    expect(parseRoleConfig('collector', KAFKA).bufferMaxSamples).toBe(10_000);
    expect(parseRoleConfig('worker', { ...KAFKA, ...CLICKHOUSE }).bufferMaxSamples).toBe(100_000);
    expect(parseRoleConfig('collector', { ...KAFKA, bufferMaxSamples: '2500' }).bufferMaxSamples).toBe(2_500);
    expect(roleSettings('collector').bufferMaxSamples.default).toBe('10000');
    expect(problems('collector', { ...KAFKA, bufferMaxSamples: '0' })[0]).toContain('--buffer-max-samples');
  });
});
