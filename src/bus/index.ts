export type { BusConsumer, BusMessage, BusProducer } from './bus.js';
export { SegmentLog } from './embedded/segment-log.js';
export type { SegmentLogOptions } from './embedded/segment-log.js';
export { SegmentLogReader } from './embedded/segment-log-reader.js';
export type { LogRecord } from './embedded/segment-log-reader.js';
export { EmbeddedConsumer, EmbeddedProducer } from './embedded/embedded-bus.js';
export type { LogView } from './embedded/embedded-bus.js';
