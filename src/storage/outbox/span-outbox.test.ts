import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpanOutbox } from './span-outbox.js';

let dir: string;
let outbox: SpanOutbox;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-span-outbox-'));
  outbox = new SpanOutbox(join(dir, 'outbox.db.spans'));
});

afterEach(() => {
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SpanOutbox', () => {
  it('hands out the oldest batches up to a span budget, at least one however large', () => {
    for (const spans of [30, 30, 50, 10]) outbox.append(Buffer.from(`batch of ${spans}`), spans);
    expect(outbox.oldest(100).map((b) => b.spans)).toEqual([30, 30]);
    expect(outbox.oldest(120).map((b) => b.spans)).toEqual([30, 30, 50, 10]);
    expect(outbox.oldest(10).map((b) => b.payload.toString())).toEqual(['batch of 30']);
  });

  it('deletes batches together and keeps its count across a reopen', () => {
    for (let i = 0; i < 5; i++) outbox.append(Buffer.from(`b${i}`), 1);
    outbox.deleteAll(outbox.oldest(3).map((b) => b.id));
    expect(outbox.batches).toBe(2);
    outbox.close();
    outbox = new SpanOutbox(join(dir, 'outbox.db.spans'));
    expect(outbox.batches).toBe(2);
    expect(outbox.oldest(10).map((b) => b.payload.toString())).toEqual(['b3', 'b4']);
  });
});
