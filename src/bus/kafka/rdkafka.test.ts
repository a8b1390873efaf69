import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VantageError } from '../../core/index.js';
import { KAFKA_CLIENT_PACKAGE, KAFKA_CLIENT_VERSION, loadKafkaClient } from './rdkafka.js';
import type { KafkaClientLibrary } from './kafka-client-api.js';

/** What Node's `require` throws for a package that is not there. */
function notFound(name: string): Error {
  return Object.assign(
    new Error(`Cannot find module '${name}'\nRequire stack:\n- /app/dist/bus/kafka/rdkafka.js`),
    {
      code: 'MODULE_NOT_FOUND',
    },
  );
}

function refusal(load: () => unknown): VantageError {
  try {
    loadKafkaClient(load);
  } catch (err) {
    if (err instanceof VantageError) return err;
    throw err;
  }
  throw new Error('loadKafkaClient did not refuse');
}

describe('loading the optional Kafka client', () => {
  it('hands back what the loader loaded', () => {
    const library = { CODES: { ERRORS: {} } } as unknown as KafkaClientLibrary;
    expect(loadKafkaClient(() => library)).toBe(library);
  });

  it('refuses with a coded error that says what to install when the package is absent', () => {
    const cause = notFound(KAFKA_CLIENT_PACKAGE);
    const err = refusal(() => {
      throw cause;
    });
    expect(err.code).toBe('VTG_CONFIG_KAFKA_CLIENT_MISSING');
    expect(err.cause).toBe(cause);
    expect(err.message).toContain(`${KAFKA_CLIENT_PACKAGE}, which is not installed.`);
    expect(err.message).toContain('bash scripts/install-kafka-client-deps.sh && CKJS_LINKING=dynamic npm ci');
    expect(err.message).toContain(`npm install ${KAFKA_CLIENT_PACKAGE}@${KAFKA_CLIENT_VERSION}`);
    expect(err.message).not.toContain('\n');
  });

  it('tells a package that is there but whose native binding does not load from one that is absent', () => {
    const err = refusal(() => {
      throw notFound('../build/Release/confluent-kafka-javascript.node');
    });
    expect(err.code).toBe('VTG_CONFIG_KAFKA_CLIENT_MISSING');
    expect(err.message).toContain(
      "which is installed but does not load (Cannot find module '../build/Release/confluent-kafka-javascript.node')",
    );
    expect(err.message).not.toContain('Require stack');
  });

  it('names in its hint the version package.json pins', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    expect(pkg.optionalDependencies[KAFKA_CLIENT_PACKAGE]).toBe(KAFKA_CLIENT_VERSION);
  });
});
