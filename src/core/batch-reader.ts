/** Bounds-checked reads; any overrun is a TypeError (a malformed message), not a RangeError. */
export class BatchReader {
  at = 0;
  version = 0;
  constructor(private readonly buf: Buffer) {}

  atEnd(): boolean {
    return this.at === this.buf.length;
  }
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new TypeError('truncated aggregate batch');
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.at++);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  string(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  ref(strings: readonly string[]): string {
    const s = strings[this.u32()];
    if (s === undefined) throw new TypeError('string reference out of range in aggregate batch');
    return s;
  }
}
