import { describe, expect, it } from 'vitest';
import { encodeAggregateBatch } from '../core/index.js';
import type { SeriesExemplars } from '../core/index.js';
import type { BusMessage } from '../bus/index.js';
import { decodeBatch } from './decoded-batch.js';

const MINUTE = Date.UTC(2024, 0, 1, 12);

function message(offset: number, seconds: number[], tags = '{}'): BusMessage {
  const exemplars: SeriesExemplars[] = [
    {
      service: 'checkout',
      name: 'latency_ms',
      type: 'gauge',
      tags,
      start: MINUTE,
      exemplars: seconds.map((s) => ({ timestamp: MINUTE + s * 1000, value: s, traceId: 'ab', spanId: '' })),
    },
  ];
  return {
    partition: 0,
    offset,
    payload: encodeAggregateBatch({ samples: 0, createdAt: 1, aggregates: [], exemplars }),
  };
}

describe('decodeBatch exemplars', () => {
  it('merges the exemplars of its messages, the latest few per series-minute, without those of a message it skips', () => {
    const broken: BusMessage = { partition: 0, offset: 3, payload: Buffer.from('not a batch') };
    const skipped: BusMessage[] = [];
    const batch = decodeBatch(
      0,
      [message(1, [10, 50]), message(2, [30, 40], '{"a":"b"}'), broken, message(4, [20, 55, 5])],
      false,
      (m) => skipped.push(m),
    );
    expect(skipped).toEqual([broken]);
    expect(batch.exemplars.map((g) => [g.tags, g.exemplars.map((e) => e.value)])).toEqual([
      ['{}', [55, 50, 20]],
      ['{"a":"b"}', [40, 30]],
    ]);
  });
});
