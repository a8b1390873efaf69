/** Settings of the Kafka bus, shared by the producer, the consumer and `ensureTopic`. */
export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** Names this process to the brokers (logs, quotas), e.g. `vantage-collector-<host>`. */
  readonly clientId?: string;
  /** Default `metrics-raw`. */
  readonly topic?: string;
  /** Consumer group of the workers. Default `vantage-worker`. */
  readonly groupId?: string;
  /** Partitions `ensureTopic` creates. Default 4: one worker per partition at most. */
  readonly partitions?: number;
  /**
   * Longest `publish()` waits for the broker's acknowledgement before it rejects (librdkafka's
   * `message.timeout.ms`, retries included). Default: `kafkaPublishTimeoutMs(callerWaitMs)` when
   * the caller's wait is given, so the bus gives up first and a 503 is never followed by a late
   * write; else 10 s.
   */
  readonly publishTimeoutMs?: number;
  /** Longest the caller of `publish()` waits for it (the collector's --buffer-timeout). */
  readonly callerWaitMs?: number;
  /** How long the producer waits to batch messages bound for one partition. Default 2 ms. */
  readonly lingerMs?: number;
  /**
   * Producer compression. Default `zstd`: on flushes of 1,000 aggregates it stored 4.6x fewer bytes
   * than none (gzip 4.2x, lz4 2.6x) while publishing at 65-95% of none's rate on a 2-core machine,
   * where gzip managed about half; its decompression costs the worker little.
   */
  readonly compression?: KafkaCompression;
  /**
   * Largest message (an encoded flush, before compression) the producer accepts, and the topic's
   * `max.message.bytes` set by `ensureTopic`. Default 32 MiB: 100,000 distinct series (the
   * collector's default buffer) encode to about 24 MB.
   */
  readonly maxMessageBytes?: number;
  /** A worker that stops heartbeating loses its partitions after this. Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Timeout of one broker request made on behalf of a call (commit, seek, lag, metadata). Default 5 s. */
  readonly requestTimeoutMs?: number;
}

export type KafkaCompression = 'none' | 'gzip' | 'lz4' | 'zstd' | 'snappy';

export const DEFAULT_TOPIC = 'metrics-raw';
/** The spans' topic: keyed by trace id, so that one trace's spans reach one worker in order. */
export const DEFAULT_SPANS_TOPIC = 'vantage-spans';
export const DEFAULT_GROUP_ID = 'vantage-worker';

/** Options with every default filled in. */
export type ResolvedKafkaBusOptions = Required<Omit<KafkaBusOptions, 'callerWaitMs'>>;

/**
 * librdkafka's message timeout for a caller (a collector request) that waits up to `callerWaitMs`.
 * It must end clearly before the caller's wait does: librdkafka scans for expired messages about
 * once a second, and a message still queued when the collector has already answered 503 could
 * reach Kafka afterwards, so that the client's retry would store it twice. Equal timeouts left
 * exactly that window. The margin is a fifth of the wait, between 1 s and 2 s, but never more
 * than half of it (10 s: 8 s; 3 s: 2 s; 1 s: 500 ms).
 */
export function kafkaPublishTimeoutMs(callerWaitMs: number): number {
  const margin = Math.min(2_000, Math.max(1_000, Math.floor(callerWaitMs / 5)));
  return Math.max(1, callerWaitMs - margin, Math.floor(callerWaitMs / 2));
}

export function resolveKafkaBusOptions(options: KafkaBusOptions): ResolvedKafkaBusOptions {
  if (options.brokers.length === 0) throw new Error('Kafka bus: at least one broker is required');
  const resolved: ResolvedKafkaBusOptions = {
    brokers: options.brokers,
    clientId: options.clientId ?? 'vantage',
    topic: options.topic ?? DEFAULT_TOPIC,
    groupId: options.groupId ?? DEFAULT_GROUP_ID,
    partitions: options.partitions ?? 4,
    publishTimeoutMs:
      options.publishTimeoutMs ??
      (options.callerWaitMs === undefined ? 10_000 : kafkaPublishTimeoutMs(options.callerWaitMs)),
    lingerMs: options.lingerMs ?? 2,
    compression: options.compression ?? 'zstd',
    maxMessageBytes: options.maxMessageBytes ?? 32 * 1024 * 1024,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
  };
  for (const key of [
    'partitions',
    'publishTimeoutMs',
    'maxMessageBytes',
    'sessionTimeoutMs',
    'requestTimeoutMs',
  ] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] <= 0) {
      throw new Error(`Kafka bus: ${key} must be a positive integer, got ${resolved[key]}`);
    }
  }
  if (!Number.isInteger(resolved.lingerMs) || resolved.lingerMs < 0) {
    throw new Error(`Kafka bus: lingerMs must be a non-negative integer, got ${resolved.lingerMs}`);
  }
  return resolved;
}
