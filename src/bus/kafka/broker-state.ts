import { errorCode, kafkaLib } from './rdkafka.js';
import type { KafkaConsumer, Producer } from './rdkafka.js';

/**
 * Whether the client can reach a broker, for /ready: down when librdkafka reports all brokers down,
 * up again when its statistics show a connection up (or a message was acknowledged).
 */
export class BrokerState {
  /** How often librdkafka reports statistics: how soon a returning broker is noticed. */
  static readonly STATS_INTERVAL_MS = 2_000;

  private isUp = false;

  get up(): boolean {
    return this.isUp;
  }

  static watch(client: Producer | KafkaConsumer): BrokerState {
    const state = new BrokerState();
    client.on('event.error', (err) => state.error(err));
    client.on('event.stats', (event) => state.stats(event));
    return state;
  }

  connected(): void {
    this.isUp = true;
  }

  delivered(): void {
    this.isUp = true;
  }

  error(err: unknown): void {
    if (errorCode(err) === kafkaLib.ERR.ERR__ALL_BROKERS_DOWN) this.isUp = false;
  }

  /** librdkafka's statistics JSON: `brokers` maps names to `{ state: 'UP' | 'DOWN' | ... }`. */
  stats(event: unknown): void {
    const text =
      typeof event === 'object' && event !== null ? (event as { message?: unknown }).message : event;
    if (typeof text !== 'string') return;
    try {
      const parsed = JSON.parse(text) as { brokers?: Record<string, { state?: string; nodeid?: number }> };
      const brokers = Object.values(parsed.brokers ?? {}).filter((b) => (b.nodeid ?? -1) >= 0);
      this.isUp = brokers.some((b) => b.state === 'UP');
    } catch {
      // Statistics are advisory: a malformed one changes nothing.
    }
  }
}
