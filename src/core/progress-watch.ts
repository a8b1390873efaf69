/**
 * Where the workers stand on the bus, summed over partitions: `committed` is how far they have
 * committed (processed and stored), `end` how far the bus holds data. Both in the bus's own unit
 * (bytes of the embedded log, messages of Kafka); only their difference and movement matter.
 */
export interface BusPosition {
  readonly committed: number;
  readonly end: number;
}

/** What the watch says of the pipeline at one moment. */
export interface ProgressState {
  /** True once the committed position has not moved for `stallAfterMs` while data waited. */
  readonly stalled: boolean;
  /**
   * Since when data has waited without the committed position moving (epoch ms), whether or not
   * that is long enough to be a stall yet; undefined when nothing waits.
   */
  readonly waitingSince: number | undefined;
  /** `end - committed` at the last observation (0 before the first). */
  readonly backlog: number;
}

/**
 * The one rule of "the pipeline is stuck" (issue 10): the bus holds data the workers have not
 * committed, and their committed position has not moved for `stallAfterMs`. A slow worker that
 * still commits now and then is not stuck, however large its backlog; a worker that commits
 * nothing while data waits is, whatever the reason (retrying one batch forever, its store down,
 * no worker running at all). It clears at the first observation where the position moved or
 * nothing waits.
 *
 * Pure: fed observations with their time, it does no I/O and reads no clock.
 */
export class ProgressWatch {
  private lastCommitted: number | undefined;
  private since: number | undefined;
  private lastBacklog = 0;

  /** `stallAfterMs` 0 turns the rule off: never stalled. */
  constructor(private readonly stallAfterMs: number) {
    if (!(stallAfterMs >= 0)) throw new RangeError(`stallAfterMs must be >= 0, got ${stallAfterMs}`);
  }

  observe(position: BusPosition, now: number): void {
    const backlog = Math.max(0, position.end - position.committed);
    const moved = this.lastCommitted !== undefined && position.committed !== this.lastCommitted;
    this.lastCommitted = position.committed;
    this.lastBacklog = backlog;
    if (backlog === 0) this.since = undefined;
    // Progress (either way: a group reset to an earlier position is a change too) restarts the wait.
    else if (moved || this.since === undefined) this.since = now;
  }

  state(now: number): ProgressState {
    const since = this.since;
    const stalled = this.stallAfterMs > 0 && since !== undefined && now - since >= this.stallAfterMs;
    return { stalled, waitingSince: since, backlog: this.lastBacklog };
  }
}
