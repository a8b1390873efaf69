import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servicesWith } from './kafka.js';
import { freePort } from './vantage-process.js';

/**
 * A Kafka broker of one test's own, for the tests that stop Kafka: `scripts/services.sh` with a
 * temporary VANTAGE_TEST_SERVICES_DIR and free ports, so `stop` and `start` reach this broker
 * alone, never the shared one that other tests (and other people's runs) use at the same time.
 * It keeps its data across stop and start, as the shared one does; `destroy` removes it.
 */
export class PrivateKafka {
  private constructor(
    private readonly env: Record<string, string>,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** Starts the broker and waits until it answers. */
  static async start(): Promise<PrivateKafka> {
    const dir = mkdtempSync(join(tmpdir(), 'vantage-private-kafka-'));
    const [port, controller] = [await freePort(), await freePort()];
    const kafka = new PrivateKafka(
      {
        VANTAGE_TEST_SERVICES_DIR: dir,
        VANTAGE_TEST_KAFKA_PORT: String(port),
        VANTAGE_TEST_KAFKA_CONTROLLER_PORT: String(controller),
        // Each test's topics are created by the roles; a smaller heap leaves room for the shared broker.
        VANTAGE_TEST_KAFKA_HEAP: '384m',
      },
      dir,
      port,
    );
    try {
      await kafka.startBroker();
    } catch (err) {
      await kafka.destroy();
      throw err;
    }
    return kafka;
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  async startBroker(): Promise<void> {
    await servicesWith(this.env, 'start', 'kafka');
  }

  /** SIGTERM (the script sends SIGKILL after 45 s): the broker keeps its data. */
  async stopBroker(): Promise<void> {
    await servicesWith(this.env, 'stop', 'kafka');
  }

  /** Stops the broker and deletes its directory. */
  async destroy(): Promise<void> {
    await servicesWith(this.env, 'stop', 'kafka').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
