/**
 * The one place that touches the client library (@confluentinc/kafka-javascript, librdkafka's Node
 * binding): its callback API turned into promises, and its errors wrapped as `cause`.
 */
import { createRequire } from 'node:module';
import type * as Rd from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, LibrdKafkaError, TopicPartitionOffset } from '@confluentinc/kafka-javascript';

export type { KafkaConsumer, LibrdKafkaError, Message, Producer } from '@confluentinc/kafka-javascript';

const require = createRequire(import.meta.url);
let loaded: typeof Rd | undefined;

/**
 * The library, loaded on first use: its native binding cannot load in a worker thread, and the
 * embedded worker thread (which imports the bus module) never talks to Kafka.
 */
function library(): typeof Rd {
  return (loaded ??= require('@confluentinc/kafka-javascript') as typeof Rd);
}

export const kafkaLib = {
  get AdminClient() {
    return library().AdminClient;
  },
  get Consumer() {
    return library().KafkaConsumer;
  },
  get Producer() {
    return library().Producer;
  },
  /** librdkafka's error codes that this bus tells apart. */
  get ERR() {
    return library().CODES.ERRORS;
  },
};

/**
 * Methods the library has but its type declarations omit (checked against 1.10.1's
 * lib/kafka-consumer.js).
 */
interface UndeclaredConsumerMethods {
  commitCb(offsets: TopicPartitionOffset[], cb: (err: LibrdKafkaError | null) => void): void;
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
  incrementalAssign(assignments: TopicPartitionOffset[]): void;
}

export function undeclared(consumer: KafkaConsumer): UndeclaredConsumerMethods {
  return consumer as unknown as UndeclaredConsumerMethods;
}

/** An Error naming what failed, with the library's error (code, origin) as `cause`. */
export function kafkaError(what: string, cause: unknown): Error {
  const detail = describe(cause);
  return new Error(`${what}: ${detail}`, { cause });
}

export function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'object' && cause !== null && 'message' in cause) {
    const { message, code } = cause as { message: unknown; code?: unknown };
    return code === undefined ? String(message) : `${String(message)} (code ${String(code)})`;
  }
  return String(cause);
}

export function errorCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** Calls a node-style API and resolves with its result; the error is wrapped with `what`. */
export function callback<T>(
  what: string,
  start: (cb: (err: unknown, value?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((err, value) => (err ? reject(kafkaError(what, err)) : resolve(value as T)));
    } catch (err) {
      reject(kafkaError(what, err));
    }
  });
}
