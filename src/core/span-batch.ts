import type { Span, SpanAttributes, SpanEvent, SpanKind, SpanLink, SpanStatus } from './span.js';
import { SPAN_KINDS } from './span.js';

/**
 * A span batch on the bus, version 2: binary. After the version byte:
 *
 *   batch      := count(spans) count(text bytes) text structure
 *   structure  := span*
 *   span       := str(traceId) str(spanId) str(parentSpanId) str(service) str(name) u8(kind)
 *                 u8(status) str(startUnixNano) str(endUnixNano) str(statusMessage)
 *                 attributes count event* count link*
 *   event      := str(timeUnixNano) str(name) attributes
 *   link       := str(traceId) str(spanId) attributes
 *   attributes := count (key value)*
 *   key        := 0 str (a key new to the batch: it takes the next number from 1) | count(its number)
 *   value      := 0 str | 1 f64 (little-endian) | 2 (false) | 3 (true)
 *   str        := count(UTF-16 code units): the next that many of the text
 *   count      := unsigned LEB128
 *
 * Every string of the batch is in one UTF-8 text, read with one call; a span's strings are then
 * slices of it, and its numbers and structure cost no text. Per string, a call into the Buffer API
 * costs more than the string, so the writer copies ASCII strings itself and calls `write` only for
 * the others. Attribute keys repeat in every span: a batch carries each once, and the reader gives
 * every span the same (internalized) key string, which is what V8 wants of a property name. A lone
 * surrogate (which only OTLP/JSON can carry in) becomes U+FFFD, as it would in either store
 * (version 1's JSON escaped it and so kept it as far as the store).
 */

const STATUSES: readonly SpanStatus[] = ['unset', 'ok', 'error'];

class BatchWriter {
  private buf: Buffer;
  private pos = 0;
  private text: Buffer;
  private textPos = 0;
  private readonly keys = new Map<string, number>();

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.text = Buffer.allocUnsafe(capacity * 4);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  count(n: number): void {
    this.ensure(5);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  private str(s: string): void {
    const n = s.length;
    this.count(n);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 for 2).
    if (this.textPos + n * 3 > this.text.length) {
      const next = Buffer.allocUnsafe(Math.max(this.text.length * 2, this.textPos + n * 3));
      this.text.copy(next, 0, 0, this.textPos);
      this.text = next;
    }
    const text = this.text;
    const at = this.textPos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // `write` makes a lone surrogate U+FFFD: 3 bytes, one code unit again when read.
        this.textPos = at + text.write(s, at, 'utf8');
        return;
      }
      text[at + i] = c;
    }
    this.textPos = at + n;
  }

  private attributes(attributes: SpanAttributes): void {
    const keys = Object.keys(attributes);
    this.count(keys.length);
    for (const key of keys) {
      const known = this.keys.get(key);
      if (known === undefined) {
        this.keys.set(key, this.keys.size + 1);
        this.u8(0);
        this.str(key);
      } else this.count(known);
      const v = attributes[key];
      if (typeof v === 'string') {
        this.u8(0);
        this.str(v);
      } else if (typeof v === 'number') {
        this.ensure(9);
        this.buf[this.pos] = 1;
        this.buf.writeDoubleLE(v, this.pos + 1);
        this.pos += 9;
      } else if (typeof v === 'boolean') this.u8(v ? 3 : 2);
      else throw new Error(`attribute ${key} is not a string, number or boolean`);
    }
  }

  span(s: Span): void {
    this.str(s.traceId);
    this.str(s.spanId);
    this.str(s.parentSpanId);
    this.str(s.service);
    this.str(s.name);
    const kind = SPAN_KINDS.indexOf(s.kind);
    const status = STATUSES.indexOf(s.status);
    if (kind < 0 || status < 0) throw new Error(`span ${s.spanId} has kind ${s.kind}, status ${s.status}`);
    this.u8(kind);
    this.u8(status);
    this.str(s.startUnixNano);
    this.str(s.endUnixNano);
    this.str(s.statusMessage);
    this.attributes(s.attributes);
    this.count(s.events.length);
    for (const e of s.events) {
      this.str(e.timeUnixNano);
      this.str(e.name);
      this.attributes(e.attributes);
    }
    this.count(s.links.length);
    for (const l of s.links) {
      this.str(l.traceId);
      this.str(l.spanId);
      this.attributes(l.attributes);
    }
  }

  /** The batch: version and span count, the text's length, the text, then the structure. */
  finish(version: number, spans: number): Buffer {
    const structure = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(16);
    this.pos = 0;
    this.u8(version);
    this.count(spans);
    this.count(this.textPos);
    return Buffer.concat([this.buf.subarray(0, this.pos), this.text.subarray(0, this.textPos), structure]);
  }
}

class BatchReader {
  pos: number;
  private text = '';
  private textAt = 0;
  private readonly keys: string[] = [];

  constructor(
    private readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.buf.length && this.textAt === this.text.length;
  }

  /** Takes the text of `bytes` bytes at the current position. */
  readText(bytes: number): void {
    this.need(bytes);
    this.text = this.buf.toString('utf8', this.pos, this.pos + bytes);
    this.pos += bytes;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('span batch truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  count(): number {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw new Error('span batch count too long');
  }

  str(): string {
    const n = this.count();
    if (n === 0) return '';
    const end = this.textAt + n;
    if (end > this.text.length) throw new Error('span batch text truncated');
    const s = this.text.slice(this.textAt, end);
    this.textAt = end;
    return s;
  }

  attributes(): SpanAttributes {
    const n = this.count();
    const out: SpanAttributes = {};
    for (let i = 0; i < n; i++) {
      const ref = this.count();
      let key: string;
      if (ref === 0) {
        key = this.str();
        this.keys.push(key);
      } else {
        const known = this.keys[ref - 1];
        if (known === undefined) throw new Error(`span batch refers to key ${ref} of ${this.keys.length}`);
        key = known;
      }
      const type = this.u8();
      let value: string | number | boolean;
      if (type === 0) value = this.str();
      else if (type === 1) {
        this.need(8);
        value = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
      } else if (type === 2 || type === 3) value = type === 3;
      else throw new Error(`bad attribute type ${type} in span batch`);
      // As JSON.parse does: a key `__proto__` is an own key like any other, not the prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  span(): Span {
    const traceId = this.str();
    const spanId = this.str();
    const parentSpanId = this.str();
    const service = this.str();
    const name = this.str();
    const kind = SPAN_KINDS[this.u8()];
    const status = STATUSES[this.u8()];
    if (kind === undefined || status === undefined) throw new Error('bad span kind or status in span batch');
    const startUnixNano = this.str();
    const endUnixNano = this.str();
    const statusMessage = this.str();
    const attributes = this.attributes();
    const events: SpanEvent[] = [];
    for (let n = this.count(); n > 0; n--) {
      const timeUnixNano = this.str();
      events.push({ timeUnixNano, name: this.str(), attributes: this.attributes() });
    }
    const links: SpanLink[] = [];
    for (let n = this.count(); n > 0; n--) {
      const traceId = this.str();
      links.push({ traceId, spanId: this.str(), attributes: this.attributes() });
    }
    return {
      traceId,
      spanId,
      parentSpanId,
      service,
      name,
      kind: kind as SpanKind,
      startUnixNano,
      endUnixNano,
      status,
      statusMessage,
      attributes,
      events,
      links,
    };
  }
}

/**
 * The version byte that encodeSpanBatch writes. 1 was JSON (a version byte, then
 * `JSON.stringify(spans)`); logs, topics and outboxes may still hold such batches, and
 * decodeSpanBatch reads them. A worker must be upgraded before the collectors that feed it: an
 * older worker counts a version 2 batch as undecodable.
 */
export const SPAN_BATCH_VERSION = 2;
const JSON_VERSION = 1;

/** The bus payload of a span batch: a version byte, then the binary layout above. */
export function encodeSpanBatch(spans: readonly Span[]): Buffer {
  const w = new BatchWriter(spans.length * 128 + 16);
  for (const s of spans) w.span(s);
  return w.finish(SPAN_BATCH_VERSION, spans.length);
}

/** The spans of a batch of either version; throws on an unknown version or a malformed batch. */
export function decodeSpanBatch(payload: Buffer): Span[] {
  if (payload[0] === JSON_VERSION) return JSON.parse(payload.toString('utf8', 1)) as Span[];
  if (payload[0] !== SPAN_BATCH_VERSION) throw new Error(`unknown span batch version ${payload[0]}`);
  const r = new BatchReader(payload, 1);
  const n = r.count();
  if (n > payload.length) throw new Error(`span batch claims ${n} spans in ${payload.length} bytes`);
  r.readText(r.count());
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) spans.push(r.span());
  if (!r.done) throw new Error('bytes left over after the span batch');
  return spans;
}
