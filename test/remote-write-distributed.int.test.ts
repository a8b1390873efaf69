import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus } from './support/prometheus-process.js';
import type { ExternalProcess } from './support/prometheus-process.js';
import { DistributedRoles } from './support/distributed-roles.js';
import type { RoleProcess } from './support/role-process.js';
import {
  ControlledCounter,
  listen,
  nonZero,
  prometheusConfig,
  roundRobinProxy,
  runCounterScenario,
} from './support/scraped-counter.js';

/**
 * The semantics test: a real Prometheus (Debian's 2.42, scripts/install-prometheus.sh)
 * scrapes a counter this test controls, which resets midway, and remote-writes it to TWO
 * collectors behind a round-robin HTTP proxy, so consecutive samples of the series reach
 * different collectors, across minute boundaries. Both collectors publish to one Kafka topic; one
 * worker turns the running totals into per-minute increases in ClickHouse. The increases read
 * back from the query API equal, minute by minute, the truth computed from the very samples
 * Prometheus scraped (read back from Prometheus' API); Prometheus' increase() agrees with the
 * total within its extrapolation.
 */
const roles = new DistributedRoles('rw');

const counter = new ControlledCounter(25);
const target = counter.server();
const hits = [0, 0];
const proxy = roundRobinProxy(() => roles.collectors.map((c) => c.url), hits);
const dir = mkdtempSync(join(tmpdir(), 'vantage-rw-prom-'));
let prometheus: ExternalProcess | undefined;

beforeAll(async () => {
  await roles.start(2);
  const [targetPort, proxyPort] = await Promise.all([listen(target), listen(proxy)]);
  prometheus = await startPrometheus(
    dir,
    prometheusConfig(targetPort, `http://127.0.0.1:${proxyPort}/api/v1/write`),
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  target.close();
  proxy.close();
  const codes = await roles.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual(codes.map(() => 0));
}, 60_000);

describe('Prometheus remote_write through two collectors on Kafka', () => {
  it('stores per-minute increases equal to the truth, across a reset, collectors and minute boundaries', async () => {
    const s = await runCounterScenario(counter, prometheus?.url ?? '', (roles.api as RoleProcess).url);
    const total = [...s.truth.values()].reduce((a, b) => a + b, 0);
    expect(s.samples.some(([, v], i) => i > 0 && v < (s.samples[i - 1] as [number, number])[1])).toBe(true);
    expect(s.truth.size).toBeGreaterThanOrEqual(3);
    expect(nonZero(s.stored)).toBe(nonZero(s.truth));
    for (const [minute, r] of s.rates) expect(r * 60).toBeCloseTo(s.truth.get(minute) ?? 0, 6);
    expect(Math.abs(s.promIncrease - total) / total).toBeLessThan(0.05);
    // Both collectors took requests all along, so consecutive samples crossed between them.
    expect(Math.min(...hits)).toBeGreaterThan(10);
  }, 360_000);
});
