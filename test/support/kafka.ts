import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BusConsumer, BusMessage } from '../../src/bus/index.js';
// Through our loader and declarations: the library is optional, and type-checking must not need it.
import { loadKafkaClient } from '../../src/bus/kafka/rdkafka.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVICES_SH = path.join(REPO_ROOT, 'scripts/services.sh');

/** The brokers from `scripts/services.sh up`, or an error saying how to start them. */
export function kafkaBrokers(): string[] {
  const value = process.env['KAFKA_BROKERS'];
  if (!value) {
    throw new Error(
      'KAFKA_BROKERS is not set. Start the real services first:\n' +
        '  eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL\n' +
        'then re-run the test in the same shell.',
    );
  }
  return value.split(',').map((b) => b.trim());
}

/** A topic (or group) name no earlier run used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** `scripts/services.sh stop kafka` / `start kafka`: the broker keeps its data. */
export function services(...args: string[]): Promise<string> {
  return servicesWith({}, ...args);
}

/** `scripts/services.sh` with variables of its own (a private instance's directory and ports). */
export function servicesWith(env: Record<string, string>, ...args: string[]): Promise<string> {
  const options = { timeout: 120_000, env: { ...process.env, ...env } };
  return new Promise((resolve, reject) => {
    execFile('bash', [SERVICES_SH, ...args], options, (err, stdout, stderr) => {
      if (err) reject(new Error(`services.sh ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Polls until `count` messages came or `timeoutMs` passed; returns what came (the test then
 * checks it is exactly what it expects).
 */
export async function pollUntil(
  consumer: BusConsumer,
  count: number,
  timeoutMs = 30_000,
): Promise<BusMessage[]> {
  const out: BusMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    out.push(...(await consumer.poll(count - out.length, 500)));
  }
  return out;
}

/** Polls for `ms` more and returns anything that came (for "nothing else arrives" checks). */
export async function drainFor(consumer: BusConsumer, ms: number): Promise<BusMessage[]> {
  const out: BusMessage[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) out.push(...(await consumer.poll(100, 200)));
  return out;
}

/** Deletes topics a test created; best effort (the broker's 24 h retention is the backstop). */
export async function deleteTopics(brokers: readonly string[], topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = loadKafkaClient().AdminClient.create({ 'bootstrap.servers': brokers.join(',') });
  try {
    await Promise.all(
      topics.map((t) => new Promise<void>((resolve) => admin.deleteTopic(t, 10_000, () => resolve()))),
    );
  } finally {
    admin.disconnect();
  }
}
