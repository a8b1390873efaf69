import { decodeSpanBatch, encodeSpanBatch } from '../src/core/index.js';
import type { Span } from '../src/core/index.js';
import { decodeTracesProtobuf } from '../src/ingest/index.js';
import { buildSpanLoad } from './span-load.js';

/*
 * The spans bus encoding, version 1 (JSON, as it was) against the current one, on the span bench's
 * requests (bench/span-load.ts): process CPU per span to encode and to decode, and bytes per span,
 * five rounds alternated (the machine is shared: read the spread). Run: `node --expose-gc
 * .cache/bench-build/bench/span-codec-ab.js` after `npx tsc -p tsconfig.bench.json`.
 */
const cpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const load = buildSpanLoad({ spans: 40_000, batch: 1_000, connections: 1 });
const now = Date.now();
const reqs: Span[][] = load.bodies.map(
  (b) => decodeTracesProtobuf(b, { oldestMs: now - 3.6e6, newestMs: now + 6e4 }).spans,
);
const n = reqs.reduce((a, r) => a + r.length, 0);
const v1 = (spans: readonly Span[]): Buffer => {
  const json = Buffer.from(JSON.stringify(spans));
  const out = Buffer.allocUnsafe(json.length + 1);
  out[0] = 1;
  json.copy(out, 1);
  return out;
};
for (let round = 0; round < 5; round++) {
  for (const [name, enc] of [
    ['json', v1],
    ['v2', encodeSpanBatch],
  ] as const) {
    (globalThis as { gc?: () => void }).gc?.();
    let t = cpu();
    const p = reqs.map((r) => enc(r));
    const e = (cpu() - t) / n;
    (globalThis as { gc?: () => void }).gc?.();
    t = cpu();
    for (const b of p) decodeSpanBatch(b);
    const d = (cpu() - t) / n;
    const bytes = p.reduce((a, b) => a + b.length, 0) / n;
    console.log(`${name}: encode ${e.toFixed(2)} µs, decode ${d.toFixed(2)} µs, ${bytes.toFixed(0)} B/span`);
  }
}
