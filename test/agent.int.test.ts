import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostAgent } from '../src/agent/index.js';
import type { RunningAgent } from '../src/agent/index.js';
import type { ServicesResponse } from '../src/core/index.js';
import { createLogger } from '../src/telemetry/index.js';
import { eventually, timeseries } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * The host agent against a real embedded Vantage (`vantage start`, built in dist/): what it reads
 * from this machine's /proc arrives in the store and comes back from the query API.
 */
const service = `host:${hostname()}`;
let dir: string;
let vantage: VantageProcess;
let agent: RunningAgent;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-agent-int-'));
  vantage = await startVantageProcess(dir, ['--worker-linger', '20ms']);
  agent = await startHostAgent({
    endpoint: vantage.collector,
    service,
    intervalMs: 1_000,
    root: '/',
    bufferMaxSamples: 10_000,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logger: createLogger('warn', 'vantage-agent'),
  });
});

afterAll(async () => {
  await agent?.stop();
  vantage?.child.kill('SIGTERM');
  await vantage?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('vantage agent end to end', () => {
  it('files the host metrics under host:<hostname>, queryable from the API', async () => {
    await eventually(
      async () => {
        const res = await fetch(`${vantage.api}/v1/services`);
        const body = (await res.json()) as ServicesResponse;
        return body.services.find((s) => s.name === service);
      },
      20_000,
      `service ${service}`,
    );

    const series = await eventually(
      async () => {
        const found = await timeseries(vantage.api, {
          service,
          metric: 'system_memory_used_bytes',
          from: '-10m',
          to: '+1m',
          step: '1m',
          agg: 'last',
        });
        return found.length > 0 && (found[0]?.points.length ?? 0) > 0 ? found : undefined;
      },
      20_000,
      'a system_memory_used_bytes point',
    );
    const point = series[0]?.points[0];
    expect(point?.[1]).toBeGreaterThan(0);

    // Counter deltas come from the second collection on: CPU and network rates arrive too.
    const cpu = await eventually(
      async () => {
        const found = await timeseries(vantage.api, {
          service,
          metric: 'system_cpu_busy_percent',
          tags: 'cpu:total',
          from: '-10m',
          to: '+1m',
          step: '1m',
          agg: 'last',
        });
        return found.find((s) => s.points.length > 0);
      },
      20_000,
      'system_cpu_busy_percent{cpu=total}',
    );
    expect(cpu.points[0]?.[1]).toBeGreaterThanOrEqual(0);
    expect(cpu.points[0]?.[1]).toBeLessThanOrEqual(100);
  });

  it('serves its own Prometheus metrics, counting what the collector accepted', async () => {
    const text = await (await fetch(`${agent.metricsAddress}/metrics`)).text();
    const sent = /^vantage_agent_samples_sent_total\{role="agent"\} (\d+)/m.exec(text);
    expect(Number(sent?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^vantage_agent_collections_total\{outcome="ok",role="agent"\} \d+/m);
    expect(text).toMatch(/^vantage_agent_samples_dropped_total\{role="agent"\} 0$/m);
    expect(text).toContain('vantage_agent_collection_duration_seconds_bucket');
    expect(text).toContain('vantage_agent_process_resident_memory_bytes');
  });
});
