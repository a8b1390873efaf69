import { foldAggregateBatch } from '../core/index.js';
import type { Aggregate, CumulativePartial, SeriesExemplars } from '../core/index.js';
import type { SavedPosition } from '../storage/index.js';
import type { BusMessage } from '../bus/index.js';

/** One partition's messages, decoded and merged once: what one store write (or outbox append) takes. */
export interface DecodedBatch {
  readonly partition: number;
  /** Offset of the batch's last message: its checkpoint, and so its deduplication token. */
  readonly end: number;
  readonly messages: readonly BusMessage[];
  readonly aggregates: Aggregate[];
  /** Running totals of cumulative series, in bus order, until CumulativeState converts them. */
  readonly cumulatives: readonly CumulativePartial[];
  /** A few exemplars per series-minute, merged across the messages (src/core/exemplar.ts). */
  readonly exemplars: readonly SeriesExemplars[];
  /** Where those series stand after this batch: saved with its write. */
  positions: readonly SavedPosition[];
  readonly samples: number;
  /** Flush time of its oldest message, epoch ms (Infinity when none decoded). */
  readonly oldest: number;
  /** Its end is recorded as the partition's intent (or need not be). */
  intentRecorded: boolean;
  /** Store writes tried with its token: when any, the store may hold it already. */
  attempts: number;
}

/**
 * Decodes and merges a partition's messages. A message that fails to decode may have folded part
 * of itself in already, so the fold starts again without it; `onUndecodable` hears of each.
 */
export function decodeBatch(
  partition: number,
  messages: readonly BusMessage[],
  intentRecorded: boolean,
  onUndecodable: (message: BusMessage, err: unknown) => void,
): DecodedBatch {
  const skipped = new Set<BusMessage>();
  const end = messages[messages.length - 1]?.offset ?? -1;
  for (;;) {
    const merged = new Map<string, Aggregate>();
    const cumulatives: CumulativePartial[] = [];
    const exemplars = new Map<string, SeriesExemplars>();
    let samples = 0;
    let oldest = Number.POSITIVE_INFINITY;
    let failed: BusMessage | undefined;
    for (const m of messages) {
      if (skipped.has(m)) continue;
      try {
        const header = foldAggregateBatch(m.payload, merged, cumulatives, exemplars);
        samples += header.samples;
        oldest = Math.min(oldest, header.createdAt);
      } catch (err) {
        // Cannot succeed on retry: reported once, and the batch goes on without it.
        onUndecodable(m, err);
        failed = m;
        break;
      }
    }
    if (failed === undefined) {
      return {
        partition,
        end,
        messages,
        aggregates: [...merged.values()],
        cumulatives,
        exemplars: [...exemplars.values()],
        positions: [],
        samples,
        oldest,
        intentRecorded,
        attempts: 0,
      };
    }
    skipped.add(failed);
  }
}

/** Messages per partition, in the order they were read. */
export function byPartition(messages: readonly BusMessage[]): Map<number, BusMessage[]> {
  const out = new Map<number, BusMessage[]>();
  for (const m of messages) {
    const list = out.get(m.partition);
    if (list) list.push(m);
    else out.set(m.partition, [m]);
  }
  return out;
}
