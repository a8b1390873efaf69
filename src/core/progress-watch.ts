/**
 * Where the workers stand in one partition of the bus: `committed` is how far they have committed
 * (processed and stored), `end` how far the partition holds data. In the bus's own unit (bytes of
 * the embedded log, messages of Kafka); only the difference and its movement matter.
 */
export interface PartitionPosition {
  readonly partition: number;
  readonly committed: number;
  readonly end: number;
}

/** What the watch says of the pipeline at one moment. */
export interface ProgressState {
  /** True once some partition's committed position has not moved for `stallAfterMs` while data waited in it. */
  readonly stalled: boolean;
  /**
   * Since when data has waited in some partition without its committed position moving (epoch
   * ms, the earliest over partitions), whether or not that is long enough to be a stall yet;
   * undefined when nothing waits.
   */
  readonly waitingSince: number | undefined;
  /** `end - committed` summed over partitions at the last observation (0 before the first). */
  readonly backlog: number;
  /** The partitions stalled now, ascending. */
  readonly stalledPartitions: readonly number[];
}

/**
 * The one rule of "the pipeline is stuck" (issue 10): a partition of the bus holds data the
 * workers have not committed, and their committed position in it has not moved for
 * `stallAfterMs`. A slow worker that still commits now and then is not stuck, however large its
 * backlog; a worker that commits nothing while data waits is, whatever the reason (retrying one
 * batch forever, its store down, no worker running at all). Per partition, not summed: with
 * several workers, one stuck on its partitions is hidden in a sum that the others keep moving. A
 * partition clears at the first observation where its position moved or nothing waits in it.
 *
 * Pure: fed observations with their time, it does no I/O and reads no clock.
 */
export class ProgressWatch {
  /** Per partition: the committed position last seen, and since when data waits without it moving. */
  private partitions = new Map<number, { committed: number; since: number | undefined }>();
  private lastBacklog = 0;

  /** `stallAfterMs` 0 turns the rule off: never stalled. */
  constructor(private readonly stallAfterMs: number) {
    if (!(stallAfterMs >= 0)) throw new RangeError(`stallAfterMs must be >= 0, got ${stallAfterMs}`);
  }

  /** Every partition of the bus as read at `now`; a partition not listed is forgotten. */
  observe(positions: readonly PartitionPosition[], now: number): void {
    const next = new Map<number, { committed: number; since: number | undefined }>();
    let backlog = 0;
    for (const p of positions) {
      const waiting = Math.max(0, p.end - p.committed);
      backlog += waiting;
      const before = this.partitions.get(p.partition);
      // Progress (either way: a group reset to an earlier position is a change too) restarts the wait.
      const moved = before !== undefined && before.committed !== p.committed;
      const since = waiting === 0 ? undefined : moved || before?.since === undefined ? now : before.since;
      next.set(p.partition, { committed: p.committed, since });
    }
    this.partitions = next;
    this.lastBacklog = backlog;
  }

  state(now: number): ProgressState {
    let waitingSince: number | undefined;
    const stalledPartitions: number[] = [];
    for (const [partition, { since }] of this.partitions) {
      if (since === undefined) continue;
      if (waitingSince === undefined || since < waitingSince) waitingSince = since;
      if (this.stallAfterMs > 0 && now - since >= this.stallAfterMs) stalledPartitions.push(partition);
    }
    stalledPartitions.sort((a, b) => a - b);
    return {
      stalled: stalledPartitions.length > 0,
      waitingSince,
      backlog: this.lastBacklog,
      stalledPartitions,
    };
  }
}
