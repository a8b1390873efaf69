import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './clickhouse.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './kafka.js';
import { startRole, stopRole } from './role-process.js';
import type { RoleProcess } from './role-process.js';

/**
 * A distributed Vantage for one test file: a fresh Kafka topic and consumer group and a fresh
 * ClickHouse database, the flags every role shares, and the roles started in the order they need
 * (the worker first: it creates the topic and migrates the schema the API reads).
 */
export class DistributedRoles {
  readonly brokers = kafkaBrokers();
  readonly topic: string;
  /** The ruler's lease topic (and group): one per test file, so that APIs of other tests never lead here. */
  readonly rulerTopic: string;
  readonly database: string;
  /** Flags every role takes: where Kafka and ClickHouse are, a short linger, quiet logs. */
  readonly common: string[];
  worker: RoleProcess | undefined;
  api: RoleProcess | undefined;
  readonly collectors: RoleProcess[] = [];
  /** The shared engine of scripts/services.sh unless the test brings its own. */
  readonly clickhouseUrl: string;

  constructor(name: string, extra: readonly string[] = [], options: { clickhouseUrl?: string } = {}) {
    this.clickhouseUrl = options.clickhouseUrl ?? clickHouseUrl();
    this.topic = uniqueName(`vantage-${name}`);
    this.rulerTopic = uniqueName(`vantage-${name}-ruler`);
    this.database = freshDatabaseName(`vantage_${name}`);
    this.common = [
      '--kafka-brokers',
      this.brokers.join(','),
      '--kafka-topic',
      this.topic,
      '--kafka-group',
      uniqueName(`vantage-${name}-workers`),
      '--ruler-topic',
      this.rulerTopic,
      '--clickhouse-url',
      this.clickhouseUrl,
      '--clickhouse-database',
      this.database,
      '--worker-linger',
      '50ms',
      '--log-level',
      'warn',
      ...extra,
    ];
  }

  /** Starts the worker, then the API and `collectors` collectors. */
  async start(collectors = 1): Promise<void> {
    this.worker = await startRole('worker', this.common);
    const [api, ...started] = await Promise.all([
      startRole('api', this.common),
      ...Array.from({ length: collectors }, () => startRole('collector', this.common)),
    ]);
    this.api = api;
    this.collectors.push(...started);
  }

  get collector(): RoleProcess {
    const first = this.collectors[0];
    if (first === undefined) throw new Error('no collector started');
    return first;
  }

  /** Stops every role, drops the database and the topic; the roles' exit codes. */
  async stop(): Promise<(number | string)[]> {
    const roles = [...this.collectors, this.worker, this.api].filter((p) => p !== undefined);
    const codes = await Promise.all(roles.map((p) => stopRole(p)));
    const client = adminClient(this.clickhouseUrl);
    try {
      await dropDatabase(client, this.database);
    } finally {
      await client.close();
    }
    await deleteTopics(this.brokers, [this.topic, this.rulerTopic]);
    return codes;
  }
}
