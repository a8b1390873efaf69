import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { snappy } from '../../../test/support/remote-write-encoder.js';
import {
  loadUncompress,
  snappyImplementation,
  snappyUncompress,
  snappyUncompressedLength,
} from './snappy.js';

const require = createRequire(import.meta.url);
const text = new TextEncoder().encode('remote_write '.repeat(500));

describe('snappy blocks', () => {
  it('uses the native binding here, and snappyjs when the binding cannot load, with the same bytes out', () => {
    expect(snappyImplementation).toBe('snappy');
    const fallback = loadUncompress((id) => {
      if (id === 'snappy') throw new Error('Cannot find module @napi-rs/snappy-linux-x64-gnu');
      return require(id) as unknown;
    });
    expect(fallback.name).toBe('snappyjs');
    expect(Buffer.from(fallback.uncompress(snappy(text)))).toEqual(Buffer.from(text));
    expect(Buffer.from(snappyUncompress(snappy(text), 1 << 20))).toEqual(Buffer.from(text));
  });

  it('reads the announced length from the preamble', () => {
    expect(snappyUncompressedLength(snappy(text))).toBe(text.length);
    expect(snappyUncompressedLength(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff))).toBe(-1);
  });

  it('refuses a block over the limit (413) and one that lies about its content (400)', () => {
    expect(() => snappyUncompress(snappy(text), text.length - 1)).toThrow(
      expect.objectContaining({ code: 'VTG_INGEST_PAYLOAD_TOO_LARGE' }),
    );
    const block = snappy(text);
    expect(() => snappyUncompress(block.subarray(0, block.length - 3), 1 << 20)).toThrow(
      expect.objectContaining({ code: 'VTG_REMOTE_WRITE_UNDECODABLE', field: 'body' }),
    );
  });
});
