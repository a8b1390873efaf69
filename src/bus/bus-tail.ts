/**
 * A reader of the bus for live views (the query API's stream): it starts at the bus's end as of
 * `start()` and hands out every message published after, in order within a partition. It commits
 * nothing and joins no consumer group that workers use, so what it reads or misses changes nothing
 * for the pipeline. A tail that falls behind the retention of the bus skips ahead: live views want
 * what is new, not a complete history.
 */
export interface BusTail {
  /**
   * Resolves once the tail's position is fixed: any message published after that is delivered.
   * `onPayloads` is called with each group of messages read together; it must not throw.
   */
  start(onPayloads: (payloads: readonly Buffer[]) => void): Promise<void>;
  /** Stops reading; resolves when no further call to `onPayloads` will come. */
  close(): Promise<void>;
}
