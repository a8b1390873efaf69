export type { BusConsumer, BusMessage, BusProducer } from './bus.js';
export { SegmentLog } from './embedded/segment-log.js';
export type { LogRecord, SegmentLogOptions } from './embedded/segment-log.js';
export { EmbeddedConsumer, EmbeddedProducer } from './embedded/embedded-bus.js';
