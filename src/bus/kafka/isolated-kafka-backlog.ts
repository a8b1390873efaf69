import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PartitionPosition } from '../../core/index.js';
import type { BusBacklog } from '../bus-backlog.js';
import type { KafkaBusOptions } from './kafka-options.js';

/** A probe that has not answered by then is stopped: the reading failed. */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * KafkaBacklog, each reading in a short-lived child process (kafka-backlog-probe.ts): a native
 * crash of librdkafka's admin requests while Kafka is away (they can segfault) then costs one
 * failed reading, which the collector's PipelineProgress already tolerates, never the collector.
 * A reading costs a Node start (about 50 ms of CPU) every few seconds.
 */
export class IsolatedKafkaBacklog implements BusBacklog {
  readonly unit = 'messages';
  private readonly running = new Set<ChildProcess>();
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {}

  positions(): Promise<PartitionPosition[]> {
    if (this.closed) return Promise.reject(new Error('the backlog probe is closed'));
    const script = fileURLToPath(new URL('./kafka-backlog-probe.js', import.meta.url));
    return new Promise((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [script, JSON.stringify(this.options)],
        { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 },
        (err, stdout, stderr) => {
          this.running.delete(child);
          if (err) {
            const why = stderr.trim() || (err.signal ? `ended by ${err.signal}` : err.message);
            reject(new Error(`reading the Kafka backlog failed: ${why}`, { cause: err }));
            return;
          }
          try {
            resolve(JSON.parse(stdout) as PartitionPosition[]);
          } catch (parseError) {
            reject(new Error('the Kafka backlog probe answered no JSON', { cause: parseError }));
          }
        },
      );
      this.running.add(child);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const child of this.running) child.kill('SIGKILL');
  }
}
