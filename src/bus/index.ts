export type { BusConsumer, BusMessage, BusProducer } from './bus.js';
export type { BusTail } from './bus-tail.js';
export type { BusBacklog } from './bus-backlog.js';
export { SegmentLogBacklog } from './embedded/segment-log-backlog.js';
export { IsolatedKafkaBacklog } from './kafka/isolated-kafka-backlog.js';
export { SegmentLogTail } from './embedded/segment-log-tail.js';
export { KafkaTail } from './kafka/kafka-tail.js';
export { SegmentLog } from './embedded/segment-log.js';
export { SegmentLogReader } from './embedded/segment-log-reader.js';
export {
  EMBEDDED_WORKER_GROUP,
  EmbeddedConsumer,
  EmbeddedProducer,
  committedPositionMeta,
} from './embedded/embedded-bus.js';
export { listSegments, segmentPath } from './embedded/log-files.js';
export { KafkaProducer } from './kafka/kafka-producer.js';
export { KafkaConsumer } from './kafka/kafka-consumer.js';
export type { RebalanceEvent } from './kafka/kafka-consumer.js';
export { KafkaLease } from './kafka/kafka-lease.js';
export { ensureTopic } from './kafka/ensure-topic.js';
export { requireKafkaClient } from './kafka/rdkafka.js';
export type { KafkaBusOptions } from './kafka/kafka-options.js';
export { kafkaBusOptions, kafkaSpansBusOptions } from './kafka/kafka-settings.js';
