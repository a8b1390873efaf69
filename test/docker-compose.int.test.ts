/**
 * The Compose files of deploy/ without Docker: each parses, an override changes only services of
 * docker-compose.yml, every Vantage role gets only variables that are its settings in values it
 * parses (the base alone, and with each override merged as Compose merges it), and the fallback
 * example's worker writes an outbox its API reads. Where Docker is installed scripts/test.sh also
 * runs `docker compose config`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { DistributedRole, RoleConfig } from '../src/config/index.js';
import { expectRoleEnv } from './support/role-env.js';
import { REPO_ROOT } from './support/vantage-process.js';

const DEPLOY = join(REPO_ROOT, 'deploy');
const BASE = 'docker-compose.yml';
const OVERRIDES = readdirSync(DEPLOY).filter((f) => /^docker-compose\..+\.ya?ml$/.test(f));
const ROLES: readonly string[] = ['collector', 'worker', 'api', 'migrate'];

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function load(file: string): ComposeFile {
  // Compose files are YAML 1.1 in practice: the base shares its role settings with `<<` merges.
  const doc = parseDocument(readFileSync(join(DEPLOY, file), 'utf8'), { merge: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  const js = doc.toJS() as ComposeFile;
  expect(Object.keys(js.services ?? {}).length, file).toBeGreaterThan(0);
  return js;
}

/** A service's environment as a map (Compose takes a map or a list of NAME=value). */
function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Compose's interpolation with nothing exported: `${X:-default}` is the default, `${X}` empty. */
function interpolate(value: string): string {
  return value.replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '');
}

/** `override` on `base` as Compose merges them: environment maps by key, volumes appended. */
function merge(base: ComposeFile, override: ComposeFile): ComposeFile {
  const services = { ...base.services };
  for (const [name, s] of Object.entries(override.services)) {
    const b = base.services[name] ?? {};
    services[name] = {
      ...b,
      ...s,
      environment: { ...envOf(b), ...envOf(s) },
      volumes: [...(b.volumes ?? []), ...(s.volumes ?? [])],
    };
  }
  return { services, volumes: { ...base.volumes, ...override.volumes } };
}

/** Each Vantage role's service, checked as the helm test checks the chart's containers. */
function roleConfigs(compose: ComposeFile): Map<string, RoleConfig> {
  const out = new Map<string, RoleConfig>();
  for (const [name, s] of Object.entries(compose.services)) {
    const command = Array.isArray(s.command) ? s.command : [s.command ?? ''];
    const role = command[0] ?? '';
    if (s.image !== 'vantage:latest' || !ROLES.includes(role)) continue;
    const env = envOf(s);
    const values = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)]));
    out.set(name, expectRoleEnv(role as DistributedRole, Object.keys(env), values));
  }
  return out;
}

/** The named volumes a service mounts, by the path they are mounted at. */
function namedMounts(service: Service): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of service.volumes ?? []) {
    const [source = '', target = ''] = v.split(':');
    if (!source.startsWith('.') && !source.startsWith('/')) out.set(target, source);
  }
  return out;
}

const base = load(BASE);
const setups: [string, ComposeFile][] = [
  [BASE, base],
  ...OVERRIDES.map((f): [string, ComposeFile] => [`${BASE} + ${f}`, merge(base, load(f))]),
];

describe('the Compose files', () => {
  it('include the fallback example', () => {
    expect(OVERRIDES).toContain('docker-compose.fallback.yml');
  });

  it.each(OVERRIDES)('%s changes only services of docker-compose.yml, on their image', (file) => {
    const override = load(file);
    for (const [name, s] of Object.entries(override.services)) {
      expect(Object.keys(base.services), name).toContain(name);
      expect(s.image, name).toBeUndefined();
      expect(s.build, name).toBeUndefined();
    }
  });

  it.each(setups)('%s: every role gets only its settings, in values it parses', (_, compose) => {
    const roles = roleConfigs(compose);
    expect([...roles.keys()].sort()).toEqual(['api', 'collector', 'migrate', 'worker']);
    // Every named volume a service mounts is declared.
    for (const s of Object.values(compose.services)) {
      for (const source of namedMounts(s).values())
        expect(Object.keys(compose.volumes ?? {})).toContain(source);
    }
  });

  it('runs the worker in fallback mode with an outbox the API reads, on a volume both mount', () => {
    const compose = merge(base, load('docker-compose.fallback.yml'));
    const roles = roleConfigs(compose);
    const worker = roles.get('worker');
    const api = roles.get('api');
    expect(worker?.fallback).toBe('sqlite');
    expect(api?.fallback).toBe('sqlite');
    const [outbox = ''] = worker?.fallbackPath ?? [];
    expect(api?.fallbackPath).toContain(outbox);
    const volumeOf = (service: string): string | undefined => {
      const mounts = namedMounts(compose.services[service] ?? {});
      const target = [...mounts.keys()].find((t) => outbox.startsWith(`${t}/`));
      return target === undefined ? undefined : mounts.get(target);
    };
    expect(volumeOf('worker')).toBeDefined();
    expect(volumeOf('api')).toBe(volumeOf('worker'));
    // The base alone keeps Kafka's buffering, the default.
    expect(roleConfigs(base).get('worker')?.fallback).toBe('none');
  });
});
