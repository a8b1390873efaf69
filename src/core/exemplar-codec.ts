import type { BatchReader } from './batch-reader.js';
import { EXEMPLARS_PER_SERIES_MINUTE } from './exemplar.js';
import type { Exemplar, SeriesExemplars } from './exemplar.js';

/**
 * The exemplar section of an aggregate batch (src/core/aggregate-codec.ts, version 3, after the
 * cumulative section). Ids travel as their hex text: at most EXEMPLAR_ID_MAX_HEX characters, which
 * the collector checks, so one length byte holds them.
 *
 *   u32 group count | per series-minute:
 *     u32 service | u32 name | u32 tags (string indexes) | u8 type (0 gauge, 1 counter) | f64 start
 *     u8 exemplar count | per exemplar: f64 timestamp value | u8 length, trace id | u8 length, span id
 */
export class ExemplarSection {
  private readonly refs: Uint32Array;
  readonly size: number;

  /** `intern` puts a string in the batch's table and returns its index. */
  constructor(
    private readonly groups: readonly SeriesExemplars[],
    intern: (s: string) => number,
  ) {
    this.refs = new Uint32Array(groups.length * 3);
    let size = 4;
    groups.forEach((g, i) => {
      this.refs[i * 3] = intern(g.service);
      this.refs[i * 3 + 1] = intern(g.name);
      this.refs[i * 3 + 2] = intern(g.tags);
      size += 4 * 3 + 1 + 8 + 1;
      for (const e of g.exemplars) size += 8 * 2 + 2 + idLength(e.traceId) + idLength(e.spanId);
    });
    this.size = size;
  }

  write(buf: Buffer, at: number): number {
    at = buf.writeUInt32LE(this.groups.length, at);
    this.groups.forEach((g, i) => {
      at = buf.writeUInt32LE(this.refs[i * 3] as number, at);
      at = buf.writeUInt32LE(this.refs[i * 3 + 1] as number, at);
      at = buf.writeUInt32LE(this.refs[i * 3 + 2] as number, at);
      at = buf.writeUInt8(g.type === 'counter' ? 1 : 0, at);
      at = buf.writeDoubleLE(g.start, at);
      at = buf.writeUInt8(g.exemplars.length, at);
      for (const e of g.exemplars) {
        at = buf.writeDoubleLE(e.timestamp, at);
        at = buf.writeDoubleLE(e.value, at);
        at = writeId(buf, at, e.traceId);
        at = writeId(buf, at, e.spanId);
      }
    });
    return at;
  }
}

/** Reads the section; `visit` hears each series-minute (undefined: read and checked only). */
export function readExemplarSection(
  r: BatchReader,
  strings: readonly string[],
  visit?: (g: SeriesExemplars) => void,
): void {
  for (let i = r.u32(); i > 0; i--) {
    const service = r.ref(strings);
    const name = r.ref(strings);
    const tags = r.ref(strings);
    const type = r.u8();
    const start = r.f64();
    const n = r.u8();
    if (type > 1 || n > EXEMPLARS_PER_SERIES_MINUTE) throw new TypeError('malformed exemplars in batch');
    const exemplars: Exemplar[] = [];
    for (let j = 0; j < n; j++) {
      const timestamp = r.f64();
      const value = r.f64();
      const traceId = r.bytes(r.u8()).toString('latin1');
      const spanId = r.bytes(r.u8()).toString('latin1');
      exemplars.push({ timestamp, value, traceId, spanId });
    }
    visit?.({ service, name, type: type === 1 ? 'counter' : 'gauge', tags, start, exemplars });
  }
}

/** Steps over the section, checking only that it is whole. */
export function skipExemplarSection(r: BatchReader): void {
  for (let i = r.u32(); i > 0; i--) {
    r.bytes(4 * 3 + 1 + 8);
    for (let j = r.u8(); j > 0; j--) {
      r.bytes(8 * 2);
      r.bytes(r.u8());
      r.bytes(r.u8());
    }
  }
}

function idLength(id: string): number {
  if (id.length > 255 || !/^[0-9a-f]*$/.test(id)) throw new RangeError(`not an exemplar id: ${id}`);
  return id.length;
}

function writeId(buf: Buffer, at: number, id: string): number {
  at = buf.writeUInt8(id.length, at);
  return at + buf.write(id, at, 'latin1');
}
