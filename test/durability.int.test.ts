import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { postMetrics, timeseries } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';

/**
 * `kill -9` of embedded Vantage while clients send: every sample that got a 202 is stored after a
 * restart, exactly once. Each request carries its own series (tag req), so the check is per
 * request: an acknowledged request must be there whole; one cut off without an answer may be there
 * whole or not at all (a request is one bus message); none may be there twice.
 */
const ROUNDS = 3;
const CLIENTS = 4;
const SAMPLES_PER_REQUEST = 200;

interface Sent {
  count: number;
  sum: number;
  acked: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'vantage-kill9-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('durability under kill -9', () => {
  it('stores every acknowledged sample once, across repeated kills', async () => {
    const sent = new Map<string, Sent>();
    let next = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const vantage = await startVantageProcess(dir, [
        '--rate-limit-per-minute',
        '1000000',
        '--worker-linger',
        '10ms',
      ]);
      let killed = false;
      const client = async (): Promise<void> => {
        while (!killed) {
          const req = `r${next++}`;
          const now = Date.now();
          const metrics = Array.from({ length: SAMPLES_PER_REQUEST }, (_, i) => ({
            service: 'durability',
            name: 'work_ms',
            value: (i % 17) + 0.25,
            timestamp: now - (i % 50),
            tags: { req },
          }));
          const entry: Sent = {
            count: metrics.length,
            sum: metrics.reduce((a, m) => a + m.value, 0),
            acked: false,
          };
          sent.set(req, entry);
          try {
            const res = await postMetrics(vantage.collector, metrics);
            if (res.status === 202 && !killed) entry.acked = true;
            else if (res.status !== 202) throw new Error(`unexpected ${res.status}: ${await res.text()}`);
          } catch (err) {
            if (!killed) throw err;
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);
      // Kill at a different moment each round, while requests are in flight.
      await new Promise((r) => setTimeout(r, 400 + 350 * round));
      killed = vantage.child.kill('SIGKILL');
      expect(killed).toBe(true);
      await Promise.all(clients);
      expect(await vantage.exited).toBe('SIGKILL');
    }

    const acked = [...sent.values()].filter((s) => s.acked);
    expect(acked.length).toBeGreaterThan(ROUNDS * 5);
    const vantage = await startVantageProcess(dir);
    try {
      const expectedCount = acked.reduce((a, s) => a + s.count, 0);
      const query = {
        service: 'durability',
        metric: 'work_ms',
        from: '-1h',
        to: '+1m',
        step: '1d',
        group_by: 'req',
      };
      // Wait until the restarted worker has stored every acknowledged request (a total alone
      // could be reached early: requests cut off without an answer may be stored too). If one
      // never arrives, the assertions below name it.
      const ackedReqs = [...sent].filter(([, s]) => s.acked).map(([r]) => r);
      let stored = await timeseries(vantage.api, { ...query, agg: 'count' });
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        const present = new Set(stored.map((s) => s.tags.req));
        if (ackedReqs.every((r) => present.has(r))) break;
        await new Promise((r) => setTimeout(r, 200));
        stored = await timeseries(vantage.api, { ...query, agg: 'count' });
      }
      const sums = await timeseries(vantage.api, { ...query, agg: 'sum' });
      const perRequest = (series: typeof stored) =>
        new Map(series.map((s) => [s.tags.req as string, s.points.reduce((a, [, v]) => a + v, 0)]));
      const storedCount = perRequest(stored);
      const storedSum = perRequest(sums);
      for (const [req, s] of sent) {
        const count = storedCount.get(req) ?? 0;
        if (s.acked) {
          expect({ req, count, sum: storedSum.get(req) }).toEqual({
            req,
            count: s.count,
            sum: expect.closeTo(s.sum, 6),
          });
        } else {
          expect([0, s.count]).toContain(count);
        }
      }
      // Conservation over the acknowledged requests: less is loss, more is duplication.
      expect(ackedReqs.reduce((a, r) => a + (storedCount.get(r) ?? 0), 0)).toBe(expectedCount);
      expect(ackedReqs.reduce((a, r) => a + (storedSum.get(r) ?? 0), 0)).toBeCloseTo(
        acked.reduce((a, s) => a + s.sum, 0),
        4,
      );
    } finally {
      vantage.child.kill('SIGTERM');
      expect(await vantage.exited).toBe(0);
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM answers the requests in flight, then writes everything acknowledged to the store before exiting', async () => {
    const shutdownDir = mkdtempSync(join(tmpdir(), 'vantage-sigterm-'));
    try {
      // A long linger: without the drain at shutdown, the last batch would still be waiting.
      const vantage = await startVantageProcess(shutdownDir, [
        '--rate-limit-per-minute',
        '1000000',
        '--worker-linger',
        '3s',
      ]);
      let acked = 0;
      let stopping = false;
      const client = async (): Promise<void> => {
        for (let i = 0; !stopping || i < 1; i++) {
          const metrics = Array.from({ length: 100 }, (_, j) => ({
            service: 'shutdown',
            name: 'n',
            value: j,
            tags: { c: String(i % 3) },
          }));
          try {
            const res = await postMetrics(vantage.collector, metrics);
            if (res.status === 202) acked += metrics.length;
          } catch {
            return; // refused once the server closed: never acknowledged
          }
        }
      };
      const clients = Array.from({ length: 4 }, client);
      await new Promise((r) => setTimeout(r, 500));
      vantage.child.kill('SIGTERM');
      stopping = true;
      await Promise.all(clients);
      expect(await vantage.exited).toBe(0);
      expect(acked).toBeGreaterThan(0);
      // Read the SQLite file the process left: everything acknowledged is there, once.
      const db = new Database(join(shutdownDir, 'vantage.db'), { readonly: true });
      const stored = db
        .prepare(
          "SELECT sum(a.count) AS n FROM agg_1m a JOIN metric m ON m.id = a.metric_id WHERE m.service = 'shutdown'",
        )
        .get() as { n: number };
      db.close();
      expect(stored.n).toBe(acked);
    } finally {
      rmSync(shutdownDir, { recursive: true, force: true });
    }
  });
});
