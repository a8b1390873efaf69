/**
 * Our own declarations of the part of @confluentinc/kafka-javascript (1.10.1, librdkafka's Node
 * binding) that this bus uses. The package is an optional dependency: where it could not be
 * installed (no prebuilt binary and no headers to build one), the build and embedded Vantage must
 * still type-check and run, so nothing here may refer to the package's own types. Checked against
 * its types/rdkafka.d.ts and lib/kafka-consumer.js; the integration tests run them against the
 * real library.
 */

export interface LibrdKafkaError {
  readonly message: string;
  readonly code: number;
  readonly errno?: number;
  readonly origin?: string;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

export interface Message extends TopicPartitionOffset {
  readonly value: Buffer | null;
  readonly size: number;
  readonly key?: Buffer | string | null;
  readonly timestamp?: number;
}

export interface DeliveryReport extends TopicPartitionOffset {
  /** What `produce()` was given as `opaque`. */
  readonly opaque?: unknown;
}

export interface MetadataOptions {
  readonly topic?: string;
  readonly timeout?: number;
}

export interface Metadata {
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly { readonly id: number; readonly leader: number }[];
  }[];
}

export interface WatermarkOffsets {
  readonly lowOffset: number;
  readonly highOffset: number;
}

/** librdkafka's configuration properties, by their librdkafka names; callbacks included. */
export type ClientConfig = Readonly<Record<string, string | number | boolean | ((...args: never[]) => void)>>;

type ErrorCallback = (err: LibrdKafkaError | null) => void;
type ResultCallback<T> = (err: LibrdKafkaError | null, value: T) => void;

/** What the producer and the consumer share (the library's `Client`). */
interface Client {
  connect(options: MetadataOptions, cb: ResultCallback<unknown>): this;
  disconnect(cb?: () => void): this;
  getMetadata(options: MetadataOptions, cb: ResultCallback<Metadata>): void;
  /** `event.error` and `event.stats` carry a LibrdKafkaError and `{ message: string }` JSON text. */
  on(event: 'event.error' | 'event.stats', listener: (arg: unknown) => void): this;
}

export interface Producer extends Client {
  on(event: 'delivery-report', listener: (err: LibrdKafkaError | null, report: DeliveryReport) => void): this;
  on(event: 'event.error' | 'event.stats', listener: (arg: unknown) => void): this;
  produce(
    topic: string,
    partition: number | null,
    value: Buffer,
    key: Buffer | string | null,
    timestamp: number,
    opaque: unknown,
  ): void;
  flush(timeoutMs: number, cb: ErrorCallback): this;
  setPollInBackground(enabled: boolean): void;
}

export interface KafkaConsumer extends Client {
  subscribe(topics: readonly string[]): this;
  assign(assignments: readonly TopicPartition[]): this;
  unassign(): this;
  /** Declared by the library's types only under another name; present in lib/kafka-consumer.js. */
  incrementalAssign(assignments: readonly TopicPartitionOffset[]): void;
  consume(maxMessages: number, cb: ResultCallback<Message[]>): void;
  setDefaultConsumeTimeout(timeoutMs: number): void;
  /** Not in the library's types; present in lib/kafka-consumer.js. */
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
  /** Not in the library's types; present in lib/kafka-consumer.js. */
  commitCb(offsets: readonly TopicPartitionOffset[], cb: ErrorCallback): void;
  committed(
    partitions: readonly TopicPartition[],
    timeoutMs: number,
    cb: ResultCallback<TopicPartitionOffset[]>,
  ): this;
  seek(position: TopicPartitionOffset, timeoutMs: number, cb: ErrorCallback): this;
  queryWatermarkOffsets(
    topic: string,
    partition: number,
    timeoutMs: number,
    cb: ResultCallback<WatermarkOffsets>,
  ): void;
}

export interface NewTopic {
  readonly topic: string;
  readonly num_partitions: number;
  readonly replication_factor: number;
  readonly config?: Readonly<Record<string, string>>;
}

/** The library's opaque OffsetSpec values (AdminClient.OffsetSpec). */
export type OffsetSpec = { readonly __offsetSpec: never } | number;

export interface AdminRequestOptions {
  readonly timeout?: number;
}

export interface AdminClient {
  createTopic(topic: NewTopic, timeoutMs: number, cb: ErrorCallback): void;
  deleteTopic(topic: string, timeoutMs: number, cb: ErrorCallback): void;
  describeTopics(
    topics: readonly string[],
    options: AdminRequestOptions,
    cb: ResultCallback<{ name?: string; partitions: { partition: number }[]; error?: unknown }[]>,
  ): void;
  listConsumerGroupOffsets(
    groups: readonly { groupId: string; partitions: readonly { topic: string; partition: number }[] }[],
    options: AdminRequestOptions,
    cb: ResultCallback<
      {
        groupId?: string;
        partitions: { partition: number; offset: number; error?: unknown }[];
        error?: unknown;
      }[]
    >,
  ): void;
  listOffsets(
    partitions: readonly { topic: string; partition: number; offset: OffsetSpec }[],
    options: AdminRequestOptions,
    cb: ResultCallback<{ partition: number; offset: number; error?: unknown }[]>,
  ): void;
  disconnect(): void;
}

/** librdkafka's error codes that this bus tells apart. */
export type ErrorCodes = Readonly<
  Record<
    | 'ERR__ASSIGN_PARTITIONS'
    | 'ERR__ALL_BROKERS_DOWN'
    | 'ERR__STATE'
    | 'ERR_REBALANCE_IN_PROGRESS'
    | 'ERR_ILLEGAL_GENERATION'
    | 'ERR_UNKNOWN_MEMBER_ID'
    | 'ERR_TOPIC_ALREADY_EXISTS',
    number
  >
>;

/** The module's exports that this bus uses. */
export interface KafkaClientLibrary {
  readonly Producer: new (config: ClientConfig) => Producer;
  readonly KafkaConsumer: new (config: ClientConfig) => KafkaConsumer;
  readonly AdminClient: {
    create(config: ClientConfig): AdminClient;
    readonly OffsetSpec: { readonly EARLIEST: OffsetSpec; readonly LATEST: OffsetSpec };
  };
  readonly CODES: { readonly ERRORS: ErrorCodes };
}
