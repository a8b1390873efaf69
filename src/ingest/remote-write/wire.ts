import { ProtobufError, WIRE_FIXED64, WIRE_VARINT } from '../../core/index.js';
import type { PointColumns, ProtobufReader } from '../../core/index.js';

/**
 * Allocation-free helpers over ProtobufReader for the remote_write hot path. `reader.message()`
 * makes a reader (and a DataView) per embedded message, so per sample and per label; here an
 * embedded message is read in place with the outer reader, and its end checked when it is left:
 * a length that lies makes a ProtobufError, never a read outside the body.
 */

/** Steps into a length-delimited field; returns where it ends. */
export function enter(r: ProtobufReader): number {
  const length = r.uint32();
  const end = r.at + length;
  if (end > r.end) throw new ProtobufError('truncated field', r.at);
  return end;
}

/** Checks that the fields read ended exactly where the embedded message does. */
export function leave(r: ProtobufReader, end: number): void {
  if (r.at !== end) throw new ProtobufError('a field runs past the end of its message', r.at);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A string field. Label names and values are nearly always ASCII and short: building them from
 * char codes costs a third of TextDecoder's per call (and of a subarray, which for a Buffer is a
 * new Buffer object); anything else goes to TextDecoder.
 */
export function readString(r: ProtobufReader): string {
  const end = enter(r);
  const buf = r.buf;
  const start = r.at;
  r.at = end;
  const length = end - start;
  if (length === 0) return '';
  if (length <= 32) {
    let text = '';
    for (let i = start; i < end; i++) {
      const c = buf[i] as number;
      if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
      text += String.fromCharCode(c);
    }
    return text;
  }
  return utf8.decode(buf.subarray(start, end));
}

/**
 * Prometheus' staleness marker: a NaN with the bit pattern 0x7ff0000000000002, written when a
 * series disappears. It says "no value any more", not a value: skipped. `at` is where the double's
 * eight little-endian bytes start.
 */
export function isStaleMarker(buf: Uint8Array, at: number): boolean {
  return (
    buf[at] === 0x02 &&
    buf[at + 1] === 0 &&
    buf[at + 2] === 0 &&
    buf[at + 3] === 0 &&
    buf[at + 4] === 0 &&
    buf[at + 5] === 0 &&
    buf[at + 6] === 0xf0 &&
    buf[at + 7] === 0x7f
  );
}

/**
 * A Sample (1.0 and 2.0 alike: value, field 1, double; timestamp, field 2, int64 ms) into
 * `columns`; false for a staleness marker, which is skipped. `start`: the series' created time.
 */
export function readSample(
  r: ProtobufReader,
  end: number,
  columns: PointColumns,
  series: number,
  start = Number.NaN,
): boolean {
  let value = 0;
  let timestamp = 0;
  let stale = false;
  while (r.at < end) {
    const tag = r.tag();
    if (tag === (1 << 3) + WIRE_FIXED64) {
      stale = isStaleMarker(r.buf, r.at);
      value = r.double();
    } else if (tag === (2 << 3) + WIRE_VARINT) timestamp = r.int64();
    else r.skip(tag & 7);
  }
  leave(r, end);
  if (!stale) columns.addPoint(series, timestamp, value, start);
  return !stale;
}
