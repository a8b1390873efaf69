import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/http.js';
import { encodeRequestV2, RW2_CONTENT_TYPE, snappy } from './support/remote-write-encoder.js';
import type { PromSeries } from './support/remote-write-encoder.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * Exemplars end to end through the built `vantage start`: an OTLP/HTTP JSON export and a
 * remote_write 2.0 request carry them; the collector keeps the latest few per series-minute, the
 * bus carries them, the worker writes them to SQLite, and GET /v1/exemplars answers them.
 */
const MINUTE = 60_000;
let dir: string;
let vantage: VantageProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-exemplars-'));
  vantage = await startVantageProcess(dir, ['--worker-linger', '20ms']);
}, 60_000);

afterAll(async () => {
  vantage?.child.kill('SIGTERM');
  await vantage?.exited;
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  exemplars: {
    tags: Record<string, string>;
    type: string;
    time: number;
    value: number;
    traceId: string;
    spanId: string;
  }[];
  next: number | null;
}

/** The exemplars answered once `count` are there. */
async function exemplarsOf(service: string, metric: string, count: number): Promise<Answer> {
  const url = `${vantage.api}/v1/exemplars?${new URLSearchParams({ service, metric, from: '-1h', to: '+1m' }).toString()}`;
  return eventually(
    async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`exemplars ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as Answer;
      return body.exemplars.length >= count ? body : undefined;
    },
    20_000,
    `${count} exemplars of ${service}/${metric}`,
  );
}

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');

describe('exemplars through vantage start', () => {
  it('keeps the latest three of an OTLP series-minute and reads them back with their series', async () => {
    // A minute well inside the accepted window, whole, so all five fall in it.
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE;
    const ns = (ms: number): string => String(BigInt(ms) * 1_000_000n);
    const exemplars = [1, 2, 3, 4, 5].map((i) => ({
      timeUnixNano: ns(minute + i * 1000),
      asDouble: i * 10,
      traceId: hex(i, 32),
      spanId: hex(i, 16),
    }));
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ex-otlp' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'latency_ms',
                  gauge: {
                    dataPoints: [
                      {
                        attributes: [{ key: 'route', value: { stringValue: '/pay' } }],
                        timeUnixNano: ns(minute + 6000),
                        asDouble: 42,
                        exemplars,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${vantage.otlpHttp}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const answer = await exemplarsOf('ex-otlp', 'latency_ms', 3);
    expect(answer.exemplars).toEqual(
      [5, 4, 3].map((i) => ({
        tags: { route: '/pay' },
        type: 'gauge',
        time: minute + i * 1000,
        value: i * 10,
        traceId: hex(i, 32),
        spanId: hex(i, 16),
      })),
    );
    expect(answer.next).toBeNull();
  });

  it('keeps the exemplars of a remote_write 2.0 counter', async () => {
    const t = Date.now() - MINUTE;
    const series: PromSeries[] = [
      {
        labels: [
          ['__name__', 'http_requests_total'],
          ['job', 'ex-rw'],
          ['method', 'GET'],
        ],
        type: 1,
        samples: [{ value: 7, timestamp: t }],
        exemplars: [
          { labels: { trace_id: 'AB'.repeat(16), span_id: 'cd'.repeat(8) }, value: 1, timestamp: t - 10 },
          { labels: { trace_id: 'ef'.repeat(16) }, value: 1, timestamp: t - 20 },
        ],
      },
    ];
    const res = await fetch(`${vantage.collector}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': RW2_CONTENT_TYPE, 'content-encoding': 'snappy' },
      body: snappy(encodeRequestV2(series)),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-prometheus-remote-write-exemplars-written')).toBe('2');
    const answer = await exemplarsOf('ex-rw', 'http_requests_total', 2);
    // Newest first, whichever minutes they fall in.
    expect(answer.exemplars).toEqual([
      {
        tags: { method: 'GET' },
        type: 'counter',
        time: t - 10,
        value: 1,
        traceId: 'ab'.repeat(16),
        spanId: 'cd'.repeat(8),
      },
      {
        tags: { method: 'GET' },
        type: 'counter',
        time: t - 20,
        value: 1,
        traceId: 'ef'.repeat(16),
        spanId: '',
      },
    ]);
  });
});
