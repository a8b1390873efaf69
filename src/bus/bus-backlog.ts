import type { PartitionPosition } from '../core/index.js';

/**
 * Where the workers stand on the bus, read from outside them (the collector asks, to tell a stuck
 * pipeline from a busy one: src/core/progress-watch.ts). It reads positions and changes nothing:
 * no consumer group membership, no commits.
 */
export interface BusBacklog {
  /** What the positions count: bytes of the embedded log, messages of Kafka. */
  readonly unit: 'bytes' | 'messages';
  /** The workers' committed position and the end of every partition; rejects when it cannot ask. */
  positions(): Promise<PartitionPosition[]>;
  close(): Promise<void>;
}
