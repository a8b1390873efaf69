import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSpanLog } from './support/span-log.js';
import { startVantageProcess } from './support/vantage-process.js';

/**
 * `kill -9` of embedded Vantage while clients export spans: every span of a request answered 200
 * is in the spans log after the kill (and after a restart, which cuts a torn tail off), and none is
 * there twice. A request cut off without an answer may be there whole or not at all: its spans go
 * in one message.
 */
const ROUNDS = 2;
const CLIENTS = 4;
const SPANS_PER_REQUEST = 100;

const dir = mkdtempSync(join(tmpdir(), 'vantage-spans-kill9-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');

describe('spans under kill -9', () => {
  it('keeps every acknowledged span, once', async () => {
    const acked = new Set<string>();
    const sentBy = new Map<string, number>();
    let next = 1;
    for (let round = 0; round < ROUNDS; round++) {
      const vantage = await startVantageProcess(dir, ['--rate-limit-per-minute', '1000000']);
      let killed = false;
      const client = async (): Promise<void> => {
        while (!killed) {
          const request = next++;
          const start = BigInt(Date.now() - 1_000) * 1_000_000n;
          const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => ({
            traceId: hex(request, 32),
            spanId: hex(request * 1_000 + i, 16),
            name: 'work',
            startTimeUnixNano: String(start),
            endTimeUnixNano: String(start + 1_000_000n),
          }));
          for (const s of spans) sentBy.set(s.spanId, request);
          const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
          try {
            const res = await fetch(`${vantage.otlpHttp}/v1/traces`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            });
            const text = await res.text();
            if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${text}`);
            if (!killed) for (const s of spans) acked.add(s.spanId);
          } catch (err) {
            if (!killed) throw err;
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, () => client());
      await new Promise((r) => setTimeout(r, 1_500));
      killed = true;
      vantage.child.kill('SIGKILL');
      await vantage.exited;
      await Promise.all(clients);
    }
    // A last start cuts off a torn tail, as after a power cut; then the log is read whole.
    const vantage = await startVantageProcess(dir);
    vantage.child.kill('SIGTERM');
    await vantage.exited;

    const stored = await readSpanLog(dir);
    const ids = stored.map((s) => s.spanId);
    expect(acked.size).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    const kept = new Set(ids);
    const missing = [...acked].filter((id) => !kept.has(id));
    expect(missing).toEqual([]);
    // Requests not acknowledged: whole or absent.
    const perRequest = new Map<number, number>();
    for (const id of ids) {
      const request = sentBy.get(id) as number;
      perRequest.set(request, (perRequest.get(request) ?? 0) + 1);
    }
    for (const count of perRequest.values()) expect(count).toBe(SPANS_PER_REQUEST);
  }, 120_000);
});
