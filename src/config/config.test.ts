import { describe, it, expect } from 'vitest';
import { parseConfig, redactedConfig } from './config.js';
import { ConfigError } from './setting-spec.js';
import { parseDuration } from '../core/index.js';
import { SETTINGS } from './settings.js';
import type { SettingKey } from './settings.js';

const DAY = 86_400_000;

function configError(raw: Partial<Record<SettingKey, string>>): ConfigError {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('parses the defaults', () => {
    const c = parseConfig({});
    expect(c.collectorPort).toBe(8000);
    expect(c.apiPort).toBe(5000);
    expect(c.apiMetricsPort).toBe(9091);
    expect(c.workerMetricsPort).toBe(9092);
    expect(c.apiKeys).toEqual([]);
    expect(c.rateLimitPerMinute).toBe(1000);
    expect(c.maxBodyBytes).toBe(5 * 1024 * 1024);
    expect(c.maxSampleAge).toBe(7 * DAY);
    // A tuning knob: whatever its default text says, parsed as a duration.
    expect(c.workerLinger).toBe(parseDuration(SETTINGS.workerLinger.default));
    expect(c.workerLinger).toBeGreaterThan(0);
    expect(c.retentionRaw).toBe(90 * DAY);
    expect(c.retentionHourly).toBe(365 * DAY);
    expect(c.retentionDaily).toBe(1095 * DAY);
    expect(c.logLevel).toBe('info');
  });

  it('gives every setting a --flag, a VANTAGE_* variable and a default that parses', () => {
    const flags = new Set<string>();
    const envs = new Set<string>();
    const c = parseConfig({});
    for (const [key, spec] of Object.entries(SETTINGS)) {
      expect(spec.flag).toMatch(/^--[a-z][a-z0-9-]*$/);
      expect(spec.env).toMatch(/^VANTAGE_[A-Z0-9_]+$/);
      expect('default' in spec).toBe(true);
      expect(key in c).toBe(true);
      flags.add(spec.flag);
      envs.add(spec.env);
    }
    expect(flags.size).toBe(Object.keys(SETTINGS).length);
    expect(envs.size).toBe(Object.keys(SETTINGS).length);
  });

  it('takes given values over defaults', () => {
    const c = parseConfig({ collectorPort: '8100', logLevel: 'debug', dataDir: '/var/lib/vantage' });
    expect(c.collectorPort).toBe(8100);
    expect(c.logLevel).toBe('debug');
    expect(c.dataDir).toBe('/var/lib/vantage');
  });

  it.each([
    ['90d', 90 * DAY],
    ['12h', 12 * 3_600_000],
    ['30s', 30_000],
    ['500ms', 500],
    ['1500', 1500],
  ])('parses the duration %s to %d ms', (text, ms) => {
    expect(parseConfig({ retentionRaw: text }).retentionRaw).toBe(ms);
  });

  it('names the flag and the variable of a bad value', () => {
    const err = configError({ collectorPort: 'eighty' });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain('--collector-port / VANTAGE_COLLECTOR_PORT');
    expect(err.message).toContain('"eighty"');
  });

  it.each([
    ['collectorPort', '70000'],
    ['collectorPort', '-1'],
    ['apiPort', '80.5'],
    ['maxTags', '0'],
    ['maxBatchSize', '-5'],
    ['rateLimitPerMinute', 'lots'],
    ['workerLinger', 'soon'],
    ['bufferTimeout', '0s'],
    ['retentionRaw', '-90d'],
    ['logLevel', 'loud'],
    ['dataDir', ''],
  ] as const)('rejects %s = %j', (key, value) => {
    const err = configError({ [key]: value });
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain(`${SETTINGS[key].flag} / ${SETTINGS[key].env}`);
  });

  // An exported but empty variable (VANTAGE_API_PORT= in a compose file) coerces to 0, i.e. a
  // random port, instead of failing at boot.
  it('rejects an empty port rather than reading it as port 0', () => {
    const err = configError({ apiPort: '' });
    expect(err.message).toContain('--api-port / VANTAGE_API_PORT');
  });

  it('reports every bad setting, not only the first', () => {
    const err = configError({ collectorPort: 'x', maxTags: '0', workerLinger: 'soon', logLevel: 'loud' });
    expect(err.problems).toHaveLength(4);
    for (const flag of ['--collector-port', '--max-tags', '--worker-linger', '--log-level']) {
      expect(err.problems.some((p) => p.startsWith(flag))).toBe(true);
    }
  });

  it('reports two roles given the same port', () => {
    const err = configError({ apiPort: '8000' });
    expect(err.problems).toEqual(['--api-port = 8000 is already taken by --collector-port']);
    const err2 = configError({ apiMetricsPort: '7000', workerMetricsPort: '7000' });
    expect(err2.message).toContain('--worker-metrics-port = 7000 is already taken by --api-metrics-port');
  });

  it('lets several roles ask for a random port (0)', () => {
    const c = parseConfig({ collectorPort: '0', apiPort: '0', apiMetricsPort: '0', workerMetricsPort: '0' });
    expect([c.collectorPort, c.apiPort, c.apiMetricsPort, c.workerMetricsPort]).toEqual([0, 0, 0, 0]);
  });

  it('reports a port clash together with other bad settings', () => {
    const err = configError({ apiPort: '8000', maxTags: '0' });
    expect(err.problems).toHaveLength(2);
    expect(err.message).toContain('--api-port = 8000 is already taken by --collector-port');
  });

  it('splits API keys on commas, dropping blanks', () => {
    const [one, two, three] = ['key-one', 'key-two', 'key-three'].map((k) => k.padEnd(32, '-x'));
    expect(parseConfig({ apiKeys: ` ${one}, ${two} ,,${three} ` }).apiKeys).toEqual([one, two, three]);
  });

  it('refuses at start-up a key or scrape token under 32 characters, naming the setting, not the key', () => {
    const err = configError({
      apiKeys: `${'k'.repeat(32)},s3cret`,
      metricsToken: 'changeme',
    });
    expect(err.problems).toHaveLength(2);
    expect(err.message).toContain(
      '--api-keys / VANTAGE_API_KEYS = ***: each key must be at least 32 characters; make one with `vantage keys new`',
    );
    expect(err.message).toContain(
      '--metrics-token / VANTAGE_METRICS_TOKEN = ***: the token must be at least 32',
    );
    expect(err.message).not.toContain('s3cret');
    expect(err.message).not.toContain('changeme');
    expect(parseConfig({ apiKeys: 'k'.repeat(32), metricsToken: 't'.repeat(32) }).metricsToken).toBe(
      't'.repeat(32),
    );
  });

  it('counts 10 failed authentications per minute per client by default', () => {
    expect(parseConfig({}).authFailuresPerMinute).toBe(10);
    expect(configError({ authFailuresPerMinute: '0' }).message).toContain('--auth-failures-per-minute');
  });
});

describe('redactedConfig', () => {
  it('masks API keys and keeps everything else', () => {
    const [alpha, beta] = ['sk-live-alpha', 'sk-live-beta'].map((k) => k.padEnd(40, '0'));
    const c = parseConfig({
      apiKeys: `${alpha},${beta}`,
      metricsToken: 'sk-live-scrape'.padEnd(40, '0'),
      collectorPort: '8100',
    });
    const r = redactedConfig(c);
    expect(r.apiKeys).toEqual(['***', '***']);
    expect(r.metricsToken).toBe('***');
    expect(JSON.stringify(r)).not.toContain('sk-live');
    expect(r.collectorPort).toBe(8100);
    expect(r.retentionRaw).toBe(90 * DAY);
    expect(c.apiKeys).toEqual([alpha, beta]);
  });

  it('shows an empty key list as empty', () => {
    expect(redactedConfig(parseConfig({})).apiKeys).toEqual([]);
  });
});
