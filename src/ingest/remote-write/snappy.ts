import { createRequire } from 'node:module';
import { VantageError } from '../../core/index.js';

/** The one call remote_write needs from a snappy library: a whole block in, its bytes out. */
type BlockUncompress = (compressed: Uint8Array) => Uint8Array;

const require = createRequire(import.meta.url);

/**
 * The native binding (`snappy`, napi-rs) when it loads, else `snappyjs` (pure JS, about 3-4x
 * slower). The binding's per-platform binary is an optional dependency: a platform without a
 * prebuilt one, or an install with optional dependencies off, still speaks remote_write.
 */
export function loadUncompress(load: (id: string) => unknown = require): {
  name: string;
  uncompress: BlockUncompress;
} {
  try {
    const native = load('snappy') as {
      uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer;
    };
    // Loading the JS wrapper succeeds even without the binary on some versions: call it once.
    native.uncompressSync(Uint8Array.of(0), { asBuffer: true });
    return { name: 'snappy', uncompress: (c) => native.uncompressSync(c, { asBuffer: true }) };
  } catch {
    const js = load('snappyjs') as { uncompress(input: Uint8Array): Uint8Array };
    return { name: 'snappyjs', uncompress: (c) => js.uncompress(c) };
  }
}

const implementation = loadUncompress();

/** Which library decompresses (for the startup log and tests). */
export const snappyImplementation: string = implementation.name;

/**
 * The uncompressed length a snappy block announces: its preamble, a varint (the block format,
 * google/snappy format_description.txt). Read before decompressing, so that a small body announcing
 * gigabytes is refused without the allocation. -1 when the preamble is not a valid varint.
 */
export function snappyUncompressedLength(block: Uint8Array): number {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i] as number;
    length += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return length;
  }
  return -1;
}

/**
 * Decompresses a snappy block (remote_write's `Content-Encoding: snappy`; the framed format is not
 * used by the protocol). Throws 413 VTG_INGEST_PAYLOAD_TOO_LARGE when the block announces more than
 * `maxBytes`, 400 VTG_REMOTE_WRITE_UNDECODABLE when it is not valid snappy.
 */
export function snappyUncompress(block: Uint8Array, maxBytes: number): Uint8Array {
  const length = snappyUncompressedLength(block);
  if (length < 0) throw undecodable('the snappy length preamble is not a varint');
  if (length > maxBytes) {
    throw new VantageError('VTG_INGEST_PAYLOAD_TOO_LARGE', { params: { limit: maxBytes } });
  }
  let out: Uint8Array;
  try {
    out = implementation.uncompress(block);
  } catch (err) {
    throw undecodable(`not valid snappy (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (out.length !== length) throw undecodable('the snappy block is shorter than its preamble says');
  return out;
}

function undecodable(reason: string, cause?: unknown): VantageError {
  return new VantageError('VTG_REMOTE_WRITE_UNDECODABLE', {
    params: { reason },
    field: 'body',
    ...(cause !== undefined ? { cause } : {}),
  });
}
