import type { BusMessage } from '../bus.js';

/** How a partition just assigned to this consumer must start, decided once its committed offset is known. */
export interface StartPlan {
  readonly partition: number;
  /** Seek here before consuming it; undefined: consume from where Kafka put it (the committed offset). */
  readonly seekTo: number | undefined;
}

/**
 * What the Kafka consumer knows of its partitions, without I/O: which are assigned, which are still
 * starting (assigned, but not yet positioned where the store says), where each one's next message
 * is, and the positions asked for by `seekAfter` that wait for their partition.
 *
 * A partition assigned in a rebalance starts at the group's committed offset. If a store saved a
 * position ahead of it (the worker wrote, then lost the partition before committing), the worker
 * says so through `seekAfter`, and the consumer seeks there before handing out that partition's
 * messages. Messages that arrived for it before that are dropped and fetched again.
 */
export class PartitionPositions {
  private readonly assignedSet = new Set<number>();
  private readonly startingSet = new Set<number>();
  /** Next offset to hand out per started partition (after the last one handed out, or a seek). */
  private readonly nextOffsets = new Map<number, number>();
  /** Lowest offset dropped per starting partition: where to go back to if nothing else is asked. */
  private readonly dropped = new Map<number, number>();
  /** Positions asked for by seekAfter, waiting for their partition to be assigned and started. */
  private readonly targets = new Map<number, number>();

  get assigned(): readonly number[] {
    return [...this.assignedSet].sort((a, b) => a - b);
  }

  get starting(): readonly number[] {
    return [...this.startingSet].sort((a, b) => a - b);
  }

  isAssigned(partition: number): boolean {
    return this.assignedSet.has(partition);
  }

  isStarted(partition: number): boolean {
    return this.assignedSet.has(partition) && !this.startingSet.has(partition);
  }

  /** The offset of the next message of `partition` this consumer will hand out, if known. */
  next(partition: number): number | undefined {
    return this.nextOffsets.get(partition);
  }

  /** A rebalance gave these partitions (eager protocol: the whole new assignment). */
  assign(partitions: readonly number[]): void {
    this.revokeAll();
    for (const p of partitions) {
      this.assignedSet.add(p);
      this.startingSet.add(p);
    }
  }

  /** A rebalance took every partition away: what was fetched for them is no longer ours. */
  revokeAll(): void {
    this.assignedSet.clear();
    this.startingSet.clear();
    this.nextOffsets.clear();
    this.dropped.clear();
  }

  /**
   * `seekAfter`: the next message of `partition` should be `offset + 1`. Returns the offset to seek
   * to now for a started partition (only forward: what was handed out stays handed out), or
   * undefined when there is nothing to do now (a partition not started keeps it as a target).
   */
  seekAfter(partition: number, offset: number): number | undefined {
    const wanted = offset + 1;
    if (!this.isStarted(partition)) {
      this.targets.set(partition, Math.max(this.targets.get(partition) ?? wanted, wanted));
      return undefined;
    }
    const next = this.nextOffsets.get(partition);
    if (next !== undefined && wanted <= next) return undefined;
    return wanted;
  }

  /** A seek of a started partition succeeded. */
  seeked(partition: number, offset: number): void {
    this.nextOffsets.set(partition, offset);
  }

  hasTarget(partition: number): boolean {
    return this.targets.has(partition);
  }

  /** Starting partitions with a `seekAfter` target: their plan needs the committed offset. */
  needCommitted(): number[] {
    return this.starting.filter((p) => this.targets.has(p));
  }

  /**
   * How to start each starting partition: the `seekAfter` target if it is ahead of the committed
   * offset (the store's position wins), else back to the first dropped message, else nothing.
   * `committed` holds the group's committed offsets (the next message to read); a missing entry
   * means none was committed.
   */
  startPlans(committed: ReadonlyMap<number, number>): StartPlan[] {
    return this.starting.map((partition) => {
      const base = committed.get(partition);
      const target = this.targets.get(partition);
      const dropped = this.dropped.get(partition);
      if (target !== undefined && (base === undefined || target > base)) return { partition, seekTo: target };
      // Fetched from the committed offset and dropped: fetch them again.
      if (dropped !== undefined) return { partition, seekTo: dropped };
      return { partition, seekTo: undefined };
    });
  }

  /** The plan for `partition` was carried out: its messages may be handed out from now on. */
  started(partition: number, seekTo: number | undefined): void {
    if (!this.startingSet.has(partition)) return;
    this.startingSet.delete(partition);
    this.dropped.delete(partition);
    this.targets.delete(partition);
    if (seekTo === undefined) this.nextOffsets.delete(partition);
    else this.nextOffsets.set(partition, seekTo);
  }

  /** A commit up to `offset` makes a smaller waiting target meaningless. */
  committed(partition: number, offset: number): void {
    const target = this.targets.get(partition);
    if (target !== undefined && target <= offset + 1) this.targets.delete(partition);
  }

  /**
   * Of the messages one fetch returned, those to hand out, in order: not those of partitions no
   * longer assigned (revoked while they were in flight), not those of starting partitions (noted, to
   * be fetched again), not those before a partition's next offset (already handed out, or skipped
   * by a seek).
   */
  accept(messages: readonly BusMessage[]): BusMessage[] {
    const out: BusMessage[] = [];
    for (const m of messages) {
      if (!this.assignedSet.has(m.partition)) continue;
      if (this.startingSet.has(m.partition)) {
        const low = this.dropped.get(m.partition);
        if (low === undefined || m.offset < low) this.dropped.set(m.partition, m.offset);
        continue;
      }
      const next = this.nextOffsets.get(m.partition);
      if (next !== undefined && m.offset < next) continue;
      this.nextOffsets.set(m.partition, m.offset + 1);
      out.push(m);
    }
    return out;
  }
}
