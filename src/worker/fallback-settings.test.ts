import { describe, expect, it } from 'vitest';
import { ConfigError, parseRoleConfig } from '../config/index.js';
import type { DistributedRole, RoleSettingKey } from '../config/index.js';

const ROLE = { kafkaBrokers: 'kafka:9092', clickhouseUrl: 'http://clickhouse:8123' };

function problems(role: DistributedRole, raw: Partial<Record<RoleSettingKey, string>>): readonly string[] {
  try {
    parseRoleConfig(role, { ...ROLE, ...raw });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('the fallback settings', () => {
  it('are off by default, with one outbox file next to the process and a 10 GiB bound', () => {
    const c = parseRoleConfig('worker', ROLE);
    expect(c.fallback).toBe('none');
    expect(c.fallbackPath).toEqual(['./vantage-fallback.db']);
    expect(c.fallbackMaxBytes).toBe(10 * 1024 ** 3);
  });

  it('let the API read several outboxes, and a worker write exactly one', () => {
    const paths = { fallback: 'sqlite', fallbackPath: '/var/a.db, /var/b.db' };
    expect(parseRoleConfig('api', { ...ROLE, ...paths }).fallbackPath).toEqual(['/var/a.db', '/var/b.db']);
    expect(problems('worker', paths)).toEqual([
      '--fallback-path / VANTAGE_FALLBACK_PATH: a worker writes one outbox file, not a list',
    ]);
    // Without the mode, the path is not used.
    expect(problems('worker', { fallbackPath: '/var/a.db,/var/b.db' })).toEqual([]);
  });

  it('name the setting at fault', () => {
    expect(problems('worker', { fallback: 'postgres' })).toEqual([
      '--fallback / VANTAGE_FALLBACK = "postgres": must be none or sqlite',
    ]);
    expect(problems('api', { fallback: 'sqlite', fallbackPath: ' , ' })[0]).toMatch(
      /^--fallback-path \/ VANTAGE_FALLBACK_PATH = " , ": must name at least one file/,
    );
    expect(problems('worker', { fallbackMaxBytes: '10GB' })[0]).toMatch(
      /^--fallback-max-bytes .*whole number/,
    );
  });
});
