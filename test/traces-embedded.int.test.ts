/**
 * `vantage start` with spans in its spans log: the worker thread stores them in traces.db and the
 * query API serves them, and a SIGKILL in the middle loses nothing and stores nothing twice.
 *
 * The spans reach the log here through the log itself (written before the process starts), as the
 * OTLP trace receivers will write it: this test covers the store and query side of the path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSpanBatch } from '../src/core/index.js';
import { EmbeddedProducer, SegmentLog } from '../src/bus/index.js';
import { embeddedPaths } from '../src/storage/index.js';
import { eventually } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import { makeTraces } from './support/trace-fixtures.js';

const HOUR = 3_600_000;
const T0 = Date.now() - HOUR;
// 6,000 traces of 3-12 spans: enough that the kill lands while the worker is still writing.
const spans = makeTraces(6_000, T0, 500);
const BATCH = 50;

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-traces-int-'));
  const log = await SegmentLog.open({ dir: embeddedPaths({ dataDir: dir }).spanLogDir });
  const producer = new EmbeddedProducer(log);
  for (let i = 0; i < spans.length; i += BATCH)
    await producer.publish(encodeSpanBatch(spans.slice(i, i + BATCH)));
  await log.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Listed {
  traces: { traceId: string; spanCount: number }[];
}

async function stored(api: string): Promise<number> {
  const res = await fetch(`${api}/v1/traces?from=${T0 - 1000}&to=${T0 + 2 * HOUR}&limit=1000`);
  return ((await res.json()) as Listed).traces.length;
}

describe('spans in embedded Vantage', () => {
  it('are stored once each across a SIGKILL mid-write, and served by the trace routes', async () => {
    let vantage = await startVantageProcess(dir, ['--worker-batch-max-messages', '4']);
    await eventually(async () => ((await stored(vantage.api)) > 0 ? true : undefined), 30_000, 'first spans');
    vantage.child.kill('SIGKILL');
    expect(await vantage.exited).toBe('SIGKILL');

    vantage = await startVantageProcess(dir);
    try {
      const expected = new Map<string, number>();
      for (const s of spans) expected.set(s.traceId, (expected.get(s.traceId) ?? 0) + 1);
      // Every trace, each span once: the summaries' counts are exact.
      const counts = await eventually(
        async () => {
          const all = new Map<string, number>();
          // Windows of 400 s hold 800 traces, under the limit of 1,000 a search returns.
          for (let from = T0 - 1000; from < T0 + 6_000 * 500; from += 400_000) {
            const res = await fetch(`${vantage.api}/v1/traces?from=${from}&to=${from + 400_000}&limit=1000`);
            for (const t of ((await res.json()) as Listed).traces) all.set(t.traceId, t.spanCount);
          }
          const done = [...expected].every(([id, n]) => all.get(id) === n);
          return done ? all : undefined;
        },
        60_000,
        'every trace',
      );
      expect(counts).toEqual(expected);
      const one = spans[123]!;
      const trace = await fetch(`${vantage.api}/v1/traces/${one.traceId}`);
      expect(trace.status).toBe(200);
      const services = await fetch(`${vantage.api}/api/services`);
      expect(((await services.json()) as { data: string[] }).data).toContain('frontend');
    } finally {
      vantage.child.kill('SIGTERM');
      expect(await vantage.exited).toBe(0);
    }
  });
});
