/**
 * The Helm chart (deploy/helm/vantage) without a cluster: `helm lint` and `helm template` with the
 * default and the production values, every rendered object decoded strictly into its Kubernetes
 * API type by deploy/helm/check (Go, k8s.io/api), and what the chart promises about sizing and
 * hooks. `bash scripts/install-helm.sh` builds Helm v4 and the checker into .cache/go-bin.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/vantage-process.js';
import type { DistributedRole } from '../src/config/index.js';
import { expectRoleEnv } from './support/role-env.js';

const BIN = join(REPO_ROOT, '.cache', 'go-bin');
const CHART = join(REPO_ROOT, 'deploy', 'helm', 'vantage');
const PRODUCTION = join(CHART, 'values-production.yaml');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], input?: string): Run {
  const r = spawnSync(join(BIN, command), args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${command}: ${r.error.message} (bash scripts/install-helm.sh builds it)`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function template(...extra: string[]): string {
  const r = run('helm', ['template', 'vantage', CHART, ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
}

interface K8sObject {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown> & { template?: { spec: { containers: Container[] } } };
}

function objects(rendered: string): K8sObject[] {
  return parseAllDocuments(rendered)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name}`);
  return o;
}

describe('the Helm chart', () => {
  it.each([
    ['default values', []],
    ['production values', ['-f', PRODUCTION]],
  ])('lints clean and renders objects the Kubernetes API types accept, with %s', (_, values) => {
    const lint = run('helm', ['lint', '--strict', CHART, ...values]);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const check = run('vantage-chart-check', [], template(...values));
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stderr).toContain('Deployment=3');
  });

  it('sizes the workers to the partitions, scales collectors with an HPA and migrates as a hook', () => {
    const byDefault = objects(template());
    expect(find(byDefault, 'Deployment', 'vantage-worker').spec?.replicas).toBe(4);
    expect(find(byDefault, 'HorizontalPodAutoscaler', 'vantage-collector').spec).toMatchObject({
      minReplicas: 3,
    });
    expect(find(byDefault, 'Job', 'vantage-migrate').metadata.annotations?.['helm.sh/hook']).toBe(
      'post-install,pre-upgrade',
    );
    expect(byDefault.some((o) => o.kind === 'ServiceMonitor' || o.kind === 'NetworkPolicy')).toBe(false);

    const production = objects(template('-f', PRODUCTION));
    expect(find(production, 'Deployment', 'vantage-worker').spec?.replicas).toBe(12);
    expect(production.filter((o) => o.kind === 'ServiceMonitor')).toHaveLength(3);
    expect(production.filter((o) => o.kind === 'NetworkPolicy')).toHaveLength(3);
    // The Secret is the operator's: the chart makes none.
    expect(production.some((o) => o.kind === 'Secret')).toBe(false);

    const pinned = objects(template('--set', 'worker.replicas=2'));
    expect(find(pinned, 'Deployment', 'vantage-worker').spec?.replicas).toBe(2);
  });

  it.each([
    ['default values', []],
    ['production values', ['-f', PRODUCTION]],
  ])('gives each role only settings it has, in values it parses, with %s', (_, values) => {
    const containers = objects(template(...values)).flatMap((o) => o.spec?.template?.spec.containers ?? []);
    expect(containers.map((c) => c.args[0]).sort()).toEqual(['api', 'collector', 'migrate', 'worker']);
    for (const c of containers) {
      // The literal values as the role would read them from its environment (secrets are absent).
      const env = Object.fromEntries(
        c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
      );
      expectRoleEnv(
        c.args[0] as DistributedRole,
        c.env.map((e) => e.name),
        env,
      );
    }
  });

  it('refuses what the API server would refuse', () => {
    const rendered = template();
    // A field the Deployment type does not have, a port no container declares, an unknown kind.
    const unknownField = rendered.replace('  strategy:\n', '  stratgy:\n');
    expect(unknownField).not.toBe(rendered);
    const bad = run('vantage-chart-check', [], unknownField);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('unknown field "stratgy"');

    const badPort = rendered.replace('targetPort: metrics', 'targetPort: metricz');
    expect(run('vantage-chart-check', [], badPort).stdout).toContain('which no container declares');

    const unknownKind = `${rendered}\n---\napiVersion: apps/v1\nkind: Deploymnt\nmetadata: { name: x }\n`;
    expect(run('vantage-chart-check', [], unknownKind).stdout).toContain('unexpected kind');
  });
});
