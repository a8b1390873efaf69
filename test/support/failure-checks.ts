import { expect } from 'vitest';
import type { LoadFigures, Verdict } from './conservation.js';

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
