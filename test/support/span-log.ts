import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SegmentLogReader } from '../../src/bus/index.js';
import { decodeSpanBatch } from '../../src/core/index.js';
import type { Span } from '../../src/core/index.js';
import { embeddedPaths } from '../../src/storage/index.js';

/**
 * Every span in an embedded Vantage's spans log (`<data-dir>/spans-bus`), read the way `vantage
 * inspect-bus` reads the metrics log: safe while Vantage runs, up to the end of the last segment.
 */
export async function readSpanLog(dataDir: string): Promise<Span[]> {
  const dir = embeddedPaths({ dataDir }).spanLogDir;
  const probe = new SegmentLogReader(dir, 0);
  await probe.refresh();
  const base = probe.segments.at(-1);
  if (base === undefined) return [];
  const end = base + (await stat(join(dir, `${String(base).padStart(20, '0')}.log`))).size;
  const reader = new SegmentLogReader(dir, end);
  await reader.refresh();
  const spans: Span[] = [];
  let offset = reader.start;
  while (offset < end) {
    const records = await reader.read(offset, 100);
    if (records.length === 0) break;
    for (const r of records) spans.push(...decodeSpanBatch(r.payload));
    offset = (records.at(-1) as { next: number }).next;
  }
  return spans;
}
