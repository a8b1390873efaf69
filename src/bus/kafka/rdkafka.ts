/**
 * The one place that touches the client library (@confluentinc/kafka-javascript, librdkafka's Node
 * binding): loaded only when a Kafka client is built, its callback API turned into promises, and
 * its errors wrapped as `cause`. The library is an optional dependency; its types are our own
 * (kafka-client-api.ts), so that nothing needs it installed until a distributed role runs.
 */
import { createRequire } from 'node:module';
import { VantageError } from '../../core/index.js';
import type { KafkaClientLibrary } from './kafka-client-api.js';

export type { KafkaConsumer, LibrdKafkaError, Message, Metadata, Producer } from './kafka-client-api.js';

export const KAFKA_CLIENT_PACKAGE = '@confluentinc/kafka-javascript';
/** The version package.json pins (rdkafka.test.ts keeps the two in step), for the install hint. */
export const KAFKA_CLIENT_VERSION = '1.10.1';

const require = createRequire(import.meta.url);
let loaded: KafkaClientLibrary | undefined;

/**
 * Loads the library through `load` (default: `require` of the package). When it cannot (not
 * installed, or its native binding does not load), throws VTG_CONFIG_KAFKA_CLIENT_MISSING, whose
 * message says what to install, with the loader's error as `cause`. `require`, not `import()`:
 * the clients are built synchronously, and a CommonJS package loads the same either way.
 */
export function loadKafkaClient(
  load: () => unknown = () => require(KAFKA_CLIENT_PACKAGE),
): KafkaClientLibrary {
  try {
    return load() as KafkaClientLibrary;
  } catch (err) {
    throw new VantageError('VTG_CONFIG_KAFKA_CLIENT_MISSING', {
      params: { problem: loadProblem(err), version: KAFKA_CLIENT_VERSION },
      cause: err,
    });
  }
}

/** "is not installed" when the package itself is missing; else what went wrong loading it. */
function loadProblem(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  if (code === 'MODULE_NOT_FOUND' && text.startsWith(`Cannot find module '${KAFKA_CLIENT_PACKAGE}'`)) {
    return 'is not installed';
  }
  return `is installed but does not load (${text.split('\n')[0] ?? ''})`;
}

/**
 * The library, loaded on first use: its native binding cannot load in a worker thread, and the
 * embedded worker thread (which imports the bus module) never talks to Kafka.
 */
function library(): KafkaClientLibrary {
  return (loaded ??= loadKafkaClient());
}

/**
 * Throws VTG_CONFIG_KAFKA_CLIENT_MISSING unless the library loads: a role that needs Kafka calls
 * it before anything else, so that it stops at once with what to install.
 */
export function requireKafkaClient(): void {
  library();
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
