import { createHash } from 'node:crypto';
import {
  addSample,
  canonicalTags,
  encodeAggregateBatch,
  MINUTE_MS,
  newAggregate,
} from '../../src/core/index.js';
import type { Aggregate } from '../../src/core/index.js';
import type { BusConsumer, BusMessage } from '../../src/bus/index.js';
import type {
  BucketGroup,
  Checkpoint,
  DeadLetterRecord,
  ExemplarRecord,
  MetricSummary,
  RetentionReport,
  ServiceSummary,
  Store,
  StoreStats,
  WriteReport,
} from '../../src/storage/index.js';

/**
 * For tests of the worker: fakes of our own Bus and Store interfaces that behave like Kafka (a
 * topic whose partitions several consumers read, with committed offsets) and ClickHouse (two
 * inserts per write, and an insert whose token was seen before dropped).
 */

/** A Store for the worker's tests: they write; the reads, which the worker never makes, are empty. */
export abstract class WorkerStoreFake implements Store {
  abstract readonly kind: string;
  abstract write(aggregates: readonly Aggregate[], checkpoints: readonly Checkpoint[]): Promise<WriteReport>;
  async deadLetters(): Promise<DeadLetterRecord[]> {
    return [];
  }
  async exemplars(): Promise<ExemplarRecord[]> {
    return [];
  }
  abstract checkpoints(source: string): Promise<Checkpoint[]>;
  async services(): Promise<ServiceSummary[]> {
    return [];
  }
  async metrics(): Promise<MetricSummary[]> {
    return [];
  }
  async queryBuckets(): Promise<BucketGroup[]> {
    return [];
  }
  async queryVql(): Promise<{ rows: []; sorted: boolean }> {
    return { rows: [], sorted: true };
  }
  async applyRetention(): Promise<RetentionReport> {
    return { deletedRows: {}, deletedSeries: 0 };
  }
  async stats(): Promise<StoreStats> {
    return { series: 0, bytesOnDisk: 0 };
  }
  async close(): Promise<void> {}
}

/** Partitions of messages, shared by every consumer (worker process) that reads them. */
export class MemoryTopic {
  readonly partitions = new Map<number, BusMessage[]>();
  readonly committed = new Map<number, number>();

  push(partition: number, payload: Buffer): void {
    const list = this.partitions.get(partition) ?? [];
    list.push({ partition, offset: list.length, payload });
    this.partitions.set(partition, list);
  }

  /** The last offset of a partition, -1 when it is empty. */
  end(partition: number): number {
    return (this.partitions.get(partition)?.length ?? 0) - 1;
  }
}

/** One member reading every partition, from the committed offsets (or a seek), as Kafka does. */
export class MemoryConsumer implements BusConsumer {
  private readonly next = new Map<number, number>();
  readonly events: string[];
  failCommits = 0;
  /** Called before each commit is applied, to check what is durable at that moment. */
  onCommit: ((partition: number, offset: number) => void) | undefined;

  constructor(
    private readonly topic: MemoryTopic,
    events: string[] = [],
  ) {
    this.events = events;
    for (const [p, offset] of topic.committed) this.next.set(p, offset + 1);
  }

  async poll(maxMessages: number, maxWaitMs: number): Promise<BusMessage[]> {
    this.events.push('poll');
    const out: BusMessage[] = [];
    for (const [p, list] of [...this.topic.partitions].sort(([a], [b]) => a - b)) {
      const from = this.next.get(p) ?? 0;
      const got = list.slice(from, from + maxMessages - out.length);
      this.next.set(p, from + got.length);
      out.push(...got);
    }
    if (out.length === 0 && maxWaitMs > 0) await new Promise((r) => setTimeout(r, Math.min(maxWaitMs, 5)));
    return out;
  }

  async commit(partition: number, offset: number): Promise<void> {
    if (this.failCommits > 0) {
      this.failCommits -= 1;
      throw new Error('Broker: Coordinator not available');
    }
    this.onCommit?.(partition, offset);
    this.topic.committed.set(partition, offset);
  }

  async seekAfter(partition: number, offset: number): Promise<void> {
    this.next.set(partition, Math.max(this.next.get(partition) ?? 0, offset + 1));
  }

  async close(): Promise<void> {}
}

/** The rows and checkpoints a ClickHouse database would hold, shared across worker processes. */
export class ClickHouseLikeState {
  readonly rows: Aggregate[] = [];
  readonly tokens = new Set<string>();
  readonly checkpoints = new Map<string, number>();
  /** Data inserts dropped because their token was seen before. */
  dropped = 0;
  /** The end offsets of the data inserts stored, per partition, in the order they came. */
  readonly insertedEnds = new Map<number, number[]>();
  /** Every data insert stored, in the order they came. */
  readonly inserted: { partition: number; end: number }[] = [];
}

/**
 * A connection to that state. `down` fails every write, as an unreachable server would;
 * `loseAnswers` stores the data and then fails (the answer lost on the way back);
 * `dieAfterDataInsert` freezes it after the data insert, as `kill -9` would.
 */
export class ClickHouseLikeStore extends WorkerStoreFake {
  readonly kind = 'clickhouse-like';
  dieAfterDataInsert = false;
  down = false;
  failures = 0;
  loseAnswers = 0;
  /** How long each data insert takes. */
  insertMs = 0;
  /** Fails the writes it says yes to (before anything is stored). */
  failWrite: ((checkpoints: readonly Checkpoint[]) => boolean) | undefined;
  readonly events: string[];

  constructor(
    private readonly state: ClickHouseLikeState,
    events: string[] = [],
  ) {
    super();
    this.events = events;
  }

  async write(aggregates: readonly Aggregate[], checkpoints: readonly Checkpoint[]): Promise<WriteReport> {
    if (this.down || this.failures > 0 || this.failWrite?.(checkpoints)) {
      if (!this.down && this.failures > 0) this.failures -= 1;
      this.events.push('write failed');
      throw new Error('ClickHouse write failed: connect ECONNREFUSED');
    }
    if (aggregates.length > 0) {
      if (this.insertMs > 0) await new Promise((r) => setTimeout(r, this.insertMs));
      const token = tokenOf(checkpoints);
      if (this.state.tokens.has(token)) this.state.dropped += 1;
      else {
        this.state.tokens.add(token);
        this.state.rows.push(...aggregates.map((a) => ({ ...a })));
        for (const c of checkpoints) {
          const ends = this.state.insertedEnds.get(c.partition) ?? [];
          ends.push(c.offset);
          this.state.insertedEnds.set(c.partition, ends);
          this.state.inserted.push({ partition: c.partition, end: c.offset });
        }
      }
      this.events.push('write');
      if (this.dieAfterDataInsert) return new Promise<WriteReport>(() => undefined);
      if (this.loseAnswers > 0) {
        this.loseAnswers -= 1;
        throw new Error('ClickHouse write failed: socket hang up');
      }
    }
    for (const c of checkpoints) this.state.checkpoints.set(`${c.source}|${c.partition}`, c.offset);
    return { deadLetters: [] };
  }

  async checkpoints(source: string): Promise<Checkpoint[]> {
    return [...this.state.checkpoints].flatMap(([key, offset]) => {
      const [s, p] = key.split('|');
      return s === source ? [{ source, partition: Number(p), offset }] : [];
    });
  }
}

/** Like ClickHouseStore's token: a function of the checkpoints only. */
export function tokenOf(checkpoints: readonly Checkpoint[]): string {
  return createHash('sha256')
    .update(
      checkpoints
        .map((c) => `${c.source}:${c.partition}:${c.offset}`)
        .sort()
        .join('\n'),
    )
    .digest('hex');
}

/** A bus message of one gauge sample of `value` at `at`. */
export function sampleMessage(value: number, at: number, service = 'checkout'): Buffer {
  const a = newAggregate(service, 'latency_ms', 'gauge', canonicalTags({ r: 'eu' }), at - (at % MINUTE_MS));
  addSample(a, value, at);
  return encodeAggregateBatch({ samples: 1, createdAt: at, aggregates: [a] });
}

/** Stored count and sum. */
export function totals(rows: readonly Aggregate[]): { count: number; sum: number } {
  return {
    count: rows.reduce((n, a) => n + a.count, 0),
    sum: rows.reduce((n, a) => n + a.sum, 0),
  };
}
