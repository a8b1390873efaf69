import { describe, expect, it } from 'vitest';
import { ProtobufReader, ProtobufError } from './protobuf-reader.js';
import { ProtobufWriter } from './protobuf-writer.js';

const read = (text: string): string => {
  const r = new ProtobufReader(new ProtobufWriter().stringField(1, text).finish());
  r.tag();
  return r.string();
};

describe('ProtobufReader', () => {
  it('reads strings short and long, ASCII or not, exactly', () => {
    for (const text of [
      '',
      'http.method',
      'é',
      'naïve café',
      '日本語のキー',
      'x'.repeat(48),
      'y'.repeat(49),
      `${'a'.repeat(47)}ü`,
    ])
      expect(read(text)).toBe(text);
  });

  it('reads fixed64 as exact decimal text, beyond 2^53 too', () => {
    for (const n of [0n, 1n, 2n ** 53n - 1n, 2n ** 53n + 1n, 1_765_000_000_123_456_789n, 2n ** 64n - 1n]) {
      const r = new ProtobufReader(new ProtobufWriter().fixed64Field(1, n).finish());
      r.tag();
      expect(r.fixed64Decimal()).toBe(n.toString());
    }
  });

  it('refuses a fixed64 cut short', () => {
    const r = new ProtobufReader(new Uint8Array([9, 1, 2, 3]));
    r.tag();
    expect(() => r.fixed64Decimal()).toThrow(ProtobufError);
  });
});
