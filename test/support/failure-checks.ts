import { expect } from 'vitest';
import { sleep } from './conservation.js';
import type { LoadFigures, Verdict } from './conservation.js';
import { eventually } from './http.js';
import type { RoleProcess } from './role-process.js';

/**
 * What the distributed failure tests (samples and spans) read off the roles and assert, in one
 * place: a metric's value, /ready, the breaker's transitions from the logs, conservation.
 */

/** The first sample of `name` on a Prometheus /metrics page, or undefined when it is not there. */
export async function metricValue(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export async function readiness(url: string): Promise<{ status: number; checks: Record<string, string> }> {
  const res = await fetch(`${url}/ready`);
  const body = (await res.json()) as { checks: Record<string, string> };
  return { status: res.status, checks: body.checks };
}

/**
 * Transitions of a worker's breaker, from its log lines: `prefix` is how the message starts
 * (`circuit breaker` for the aggregates' worker, `span store breaker` for the span worker).
 */
export function breakerTransitions(output: string, prefix = 'circuit breaker'): Record<string, number> {
  const out: Record<string, number> = {};
  const pattern = new RegExp(`"msg":"${prefix} (open|half-open|closed)`);
  for (const line of output.split('\n')) {
    const m = pattern.exec(line);
    if (m?.[1]) out[m[1]] = (out[m[1]] ?? 0) + 1;
  }
  return out;
}

/**
 * What every scenario asserts, naming the requests at fault: nothing acknowledged lost or stored
 * twice. `refusals: true` also holds refused and unanswered requests to "whole or not at all",
 * which samples promise (a request is one bus message, refused unpublished); spans do not (a
 * request's traces are messages of their own, and a span stored twice is kept once).
 */
export function expectConservation(v: Verdict, refusals = true): void {
  expect(v.lost, 'acknowledged requests lost').toEqual([]);
  expect(v.duplicated, 'requests stored more than once').toEqual([]);
  if (refusals) {
    expect(v.refusedStored, 'requests refused with 503 yet stored').toEqual([]);
    expect(v.unansweredPartial, 'unanswered requests stored in part').toEqual([]);
  }
  expect(v.storedSamples).toBe(v.ackedSamples);
  expect(v.storedSum).toBe(v.ackedSum);
}

/** The figures a scenario proves, on one line tagged with the test's name. */
export function printSummary(
  test: string,
  name: string,
  load: LoadFigures,
  v: Verdict,
  extra: Record<string, unknown>,
  unit = 'samples',
): void {
  const figures = {
    [`${unit}Acknowledged`]: v.ackedSamples,
    [`${unit}Stored`]: v.storedSamples,
    requestsAcknowledged: v.ackedRequests,
    httpAttempts: load.requests,
    '503s': load.refused503,
    '503sByCode': load.refusedBy,
    unanswered: load.unanswered,
    unansweredStoredWhole: v.unansweredStored,
    unansweredNotStored: v.unansweredMissing,
    ...extra,
  };
  console.log(`[${test}] ${name}: ${JSON.stringify(figures)}`);
}

/** Where a failure test's roles find their bus and store, and what every one of them shares. */
export interface FailureRoleTarget {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** The workers' consumer group (spans: `<group>-spans`). */
  readonly group: string;
  readonly database: string;
  readonly spansTopic?: string;
}

/**
 * Flags every role of a failure test takes (ClickHouse's URL aside: the worker's may be a proxy's):
 * no rate limit in the way of the load, a short linger, quiet logs.
 */
export function failureRoleFlags(t: FailureRoleTarget): string[] {
  return [
    '--kafka-brokers',
    t.brokers.join(','),
    '--kafka-topic',
    t.topic,
    ...(t.spansTopic === undefined ? [] : ['--kafka-spans-topic', t.spansTopic]),
    '--kafka-group',
    t.group,
    '--clickhouse-database',
    t.database,
    '--rate-limit-per-minute',
    '10000000',
    '--worker-linger',
    '50ms',
    '--log-level',
    'warn',
  ];
}

/**
 * A worker's flags for a ClickHouse outage at `clickHouseUrl` (a TcpProxy the test cuts): the
 * breaker opens after three failed writes and probes every 5 s (a short outage test), and batches
 * go to the SQLite fallback outbox at `outboxPath` while it is open.
 */
export function outageWorkerFlags(clickHouseUrl: string, outboxPath: string): string[] {
  return [
    '--clickhouse-url',
    clickHouseUrl,
    '--breaker-failures',
    '3',
    '--breaker-probe-interval',
    '5s',
    '--fallback',
    'sqlite',
    '--fallback-path',
    outboxPath,
  ];
}

/** A role a test kills: the process running now, and how to start the next one. */
export interface KillableRole {
  current(): RoleProcess;
  restart(): Promise<RoleProcess>;
}

/** What one kill of a worker found: how long it took to write, when it died, what it had written. */
export interface WorkerKill {
  readonly takeoverMs: number;
  readonly afterMs: number;
  readonly written: number | undefined;
}

/**
 * kill -9 of the worker `rounds` times, each while it writes: once it has stored its first batch
 * (`storedMetric` above 0: the group gives a restarted worker its partitions when the dead
 * member's session expires), at a random point of the batches that follow (up to 2 s).
 */
export async function killWorkerWhileWriting(
  role: KillableRole,
  storedMetric: string,
  rounds: number,
): Promise<WorkerKill[]> {
  const kills: WorkerKill[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = Date.now();
    await eventually(
      async () => (((await metricValue(role.current().metrics, storedMetric)) ?? 0) > 0 ? true : undefined),
      60_000,
      'the worker to write its first batch',
    );
    const takeoverMs = Date.now() - started;
    const afterMs = Math.round(Math.random() * 2_000);
    await sleep(afterMs);
    const written = await metricValue(role.current().metrics, storedMetric);
    const worker = role.current();
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe('SIGKILL');
    kills.push({ takeoverMs, afterMs, written });
    await role.restart();
  }
  return kills;
}

/** kill -9 of the collector `rounds` times, 0.5 to 3 s apart at random; the delays. */
export async function killCollectorRepeatedly(role: KillableRole, rounds: number): Promise<number[]> {
  const delays: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const delay = Math.round(500 + Math.random() * 2_500);
    await sleep(delay);
    delays.push(delay);
    const collector = role.current();
    collector.child.kill('SIGKILL');
    expect(await collector.exited).toBe('SIGKILL');
    await role.restart();
  }
  return delays;
}
