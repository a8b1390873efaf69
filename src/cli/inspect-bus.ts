import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeAggregateBatch } from '../core/index.js';
import { SegmentLogReader } from '../bus/index.js';

interface Options {
  dataDir: string;
  from?: string;
  limit: string;
}

/**
 * `vantage inspect-bus`: prints the embedded log's messages as JSON lines, for debugging. Safe
 * while Vantage runs: it only reads, and stops at a record still being written.
 */
export async function runInspectBus(opts: Options): Promise<void> {
  const dir = join(opts.dataDir, 'bus');
  const probe = new SegmentLogReader(dir, 0);
  await probe.refresh();
  const last = await lastSegmentEnd(dir, probe);
  const reader = new SegmentLogReader(dir, last);
  await reader.refresh();
  let offset = opts.from === undefined ? reader.start : Number(opts.from);
  let left = Number(opts.limit);
  while (left > 0 && offset < last) {
    let records;
    try {
      records = await reader.read(offset, Math.min(left, 100));
    } catch (err) {
      console.error(`stopped at offset ${offset}: ${(err as Error).message} (a record being written?)`);
      return;
    }
    if (records.length === 0) break;
    for (const r of records) {
      const batch = decodeAggregateBatch(r.payload);
      const aggregates = batch.aggregates.map(({ sketch, ...a }) => ({
        ...a,
        sketchCount: sketch?.count ?? null,
      }));
      console.log(
        JSON.stringify({
          offset: r.offset,
          next: r.next,
          createdAt: batch.createdAt,
          samples: batch.samples,
          aggregates,
          // Running totals: first and last readings and the increase between them (no sketches).
          cumulatives: (batch.cumulatives ?? []).map(({ first, last, increase, ...c }) => ({
            ...c,
            first: first.total,
            last: last.total,
            increase: increase.total,
          })),
          exemplars: batch.exemplars ?? [],
        }),
      );
      offset = r.next;
      left--;
    }
  }
}

async function lastSegmentEnd(dir: string, reader: SegmentLogReader): Promise<number> {
  const { segments } = reader;
  const base = segments[segments.length - 1];
  if (base === undefined) return 0;
  const file = join(dir, `${String(base).padStart(20, '0')}.log`);
  return base + (await stat(file)).size;
}
