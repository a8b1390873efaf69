import type { Sample } from '../core/index.js';

/**
 * The samples waiting to be sent, oldest first, holding at most `maxSamples` (those queued plus the
 * batch being sent). When the collector stays away long enough to fill it, the oldest queued samples
 * make room for new ones and are counted: memory stays bounded and the newest data survives.
 *
 * The batch in flight is not dropped while it is being retried; it goes back to the front when its
 * sender gives up, where it is the first to go if the buffer is full.
 */
export class SampleBuffer {
  private queue: Sample[] = [];
  /** Index of the oldest queued sample; the array is compacted once the dead prefix is large. */
  private head = 0;
  private inFlight = 0;
  private droppedTotal = 0;

  constructor(readonly maxSamples: number) {
    if (!Number.isInteger(maxSamples) || maxSamples < 1)
      throw new RangeError(`maxSamples must be a positive integer, not ${maxSamples}`);
  }

  /** Samples held: queued plus in flight. */
  get size(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  /** Samples queued, not yet taken for sending. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Samples dropped for room since the buffer was made. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Adds samples at the back; returns how many old ones were dropped to make room. */
  push(samples: readonly Sample[]): number {
    // When more arrive than could ever fit, only the newest are worth copying in.
    const room = this.maxSamples - this.inFlight;
    const incoming = samples.length > room ? samples.slice(samples.length - Math.max(0, room)) : samples;
    let dropped = samples.length - incoming.length;
    for (const s of incoming) this.queue.push(s);
    const excess = this.size - this.maxSamples;
    if (excess > 0) {
      this.head += excess;
      dropped += excess;
    }
    this.compact();
    this.droppedTotal += dropped;
    return dropped;
  }

  /** Takes up to `max` of the oldest samples out of the queue, to send; they count as in flight. */
  take(max: number): Sample[] {
    const end = Math.min(this.queue.length, this.head + max);
    const batch = this.queue.slice(this.head, end);
    this.head = end;
    this.inFlight += batch.length;
    this.compact();
    return batch;
  }

  /** The batch taken last was delivered, or refused for good: it leaves the buffer. */
  settle(batch: readonly Sample[]): void {
    this.inFlight = Math.max(0, this.inFlight - batch.length);
  }

  /**
   * The batch taken last could not be sent now: it goes back to the front, oldest first again. It
   * was counted in the size while out, so it always fits; it is the first to go when room is needed.
   */
  requeue(batch: readonly Sample[]): void {
    this.settle(batch);
    this.queue = [...batch, ...this.queue.slice(this.head)];
    this.head = 0;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
