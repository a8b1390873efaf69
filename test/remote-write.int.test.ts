import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeseries } from './support/http.js';
import { startPrometheus } from './support/prometheus-process.js';
import type { ExternalProcess } from './support/prometheus-process.js';
import {
  ControlledCounter,
  listen,
  nonZero,
  prometheusConfig,
  runCounterScenario,
} from './support/scraped-counter.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * A real Prometheus (Debian's 2.42, scripts/install-prometheus.sh) scrapes a counter this test
 * controls, which resets midway, and remote-writes it to embedded Vantage. The per-minute
 * increases Vantage stores equal the truth computed from the very samples Prometheus scraped, at
 * every minute boundary; Prometheus' own increase() agrees with the total within its
 * extrapolation; the gauges it writes (`up`) arrive with their labels as tags.
 * test/remote-write-distributed.int.test.ts runs the same through two collectors on Kafka.
 */
const counter = new ControlledCounter(25);
const target = counter.server();
const dir = mkdtempSync(join(tmpdir(), 'vantage-rw-'));
let vantage: VantageProcess;
let prometheus: ExternalProcess | undefined;

beforeAll(async () => {
  vantage = await startVantageProcess(join(dir, 'vantage'), ['--worker-linger', '50ms']);
  const targetPort = await listen(target);
  prometheus = await startPrometheus(
    join(dir, 'prometheus'),
    prometheusConfig(targetPort, `${vantage.collector}/api/v1/write`),
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  target.close();
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('Prometheus remote_write into embedded Vantage', () => {
  it('stores per-minute increases equal to the truth, across a reset and minute boundaries', async () => {
    const s = await runCounterScenario(counter, prometheus?.url ?? '', vantage.api);
    const total = [...s.truth.values()].reduce((a, b) => a + b, 0);
    expect(s.samples.some(([, v], i) => i > 0 && v < (s.samples[i - 1] as [number, number])[1])).toBe(true);
    expect(s.truth.size).toBeGreaterThanOrEqual(3);
    expect(nonZero(s.stored)).toBe(nonZero(s.truth));
    for (const [minute, r] of s.rates) expect(r * 60).toBeCloseTo(s.truth.get(minute) ?? 0, 6);
    expect(Math.abs(s.promIncrease - total) / total).toBeLessThan(0.05);
  }, 360_000);

  it('keeps the gauges Prometheus writes (up): one series per target, its labels as tags', async () => {
    const series = await timeseries(vantage.api, {
      service: 'rwtest',
      metric: 'up',
      from: '-10m',
      to: '+1m',
      step: '1h',
      agg: 'last',
      group_by: 'instance',
    });
    expect(series).toHaveLength(1);
    expect(series[0]?.tags).toEqual({
      instance: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown as string,
    });
    expect(series[0]?.points.at(-1)?.[1]).toBe(1);
  });
});
