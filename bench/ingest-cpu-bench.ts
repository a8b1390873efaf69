import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSample, canonicalTags, newAggregate } from '../src/core/index.js';
import type { Aggregate } from '../src/core/index.js';
import { SqliteStore } from '../src/storage/index.js';
import { fmt } from './support.js';

const DAY = 86_400_000;
const RETENTION = { '1m': 90 * DAY, '5m': 90 * DAY, '1h': 365 * DAY, '1d': 1095 * DAY };

/**
 * The SQLite write path's CPU (issue 13: rollups must not make ingest measurably slower): 1,000
 * series, 90 one-minute batches of 1,000 aggregates, into a fresh file, as the worker writes them
 * (every tier, the rollups). Tags as the query benchmark's: `host` (one per series), `region` (4),
 * `zone` (8), `env` (2), so three keys are rolled up per value and one (host) is not.
 * BENCH_INGEST_REPS runs (default 3). The process's CPU, user + system, so the machine's other
 * load shows less than in wall time.
 */
export async function runIngestCpuBench(reps: number, log: (s: string) => void): Promise<string[]> {
  const tags = Array.from({ length: 1_000 }, (_, s) =>
    canonicalTags({ host: `host-${s}`, region: `r${s % 4}`, zone: `z${s % 8}`, env: s % 2 ? 'prod' : 'dev' }),
  );
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60 * 60_000;
  const lines: string[] = [];
  for (let r = 0; r < reps; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-ingest-'));
    const store = new SqliteStore({ path: join(dir, 'v.db'), retention: RETENTION });
    try {
      const load = loadavg()[0] as number;
      let cpu = 0;
      for (let m = 0; m < 90; m++) {
        const minute = start + m * 60_000;
        const batch: Aggregate[] = tags.map((t, s) => {
          const a = newAggregate('ingest-bench', 'latency_ms', 'gauge', t, minute);
          addSample(a, 20 + (s % 50) + m, minute + 30_000);
          return a;
        });
        const cpu0 = process.cpuUsage();
        await store.write(batch, []);
        const used = process.cpuUsage(cpu0);
        cpu += (used.user + used.system) / 1e6;
      }
      lines.push(`run ${r + 1}: ${fmt(cpu, 2)} s CPU for 90,000 aggregates (load average ${fmt(load, 2)})`);
      log(lines[lines.length - 1] as string);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return lines;
}

if (process.argv[1]?.endsWith('ingest-cpu-bench.js')) {
  runIngestCpuBench(Number(process.env.BENCH_INGEST_REPS ?? 3), (s) => console.error(s)).then(
    (lines) => console.log(lines.join('\n')),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
