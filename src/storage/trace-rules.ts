import { SPAN_KINDS } from '../core/index.js';
import type { Span } from '../core/index.js';
import type { TraceSearch } from './trace-store.js';

/**
 * The rules both trace stores follow, in one place, so that SQLite and ClickHouse give the same
 * answers (test/trace-parity.int.test.ts):
 *
 * - A search with no condition but its time range lists trace summaries (kept longer than spans)
 *   whose trace started in [from, to). With conditions, it lists the traces having one span that
 *   starts in [from, to) and meets every condition (service, operation, duration, status, tags),
 *   as Jaeger does. Either way newest trace start first, then trace id.
 * - A trace's root is its span without a parent; lacking one (not arrived, or lost), its earliest
 *   span; ties go to the smaller span id. So the root is the same whatever order spans arrive in.
 * - The service map counts, per (parent service, child service) with the two different, the
 *   child spans that start in [from, to): calls, errors and the nearest-rank p95 of durations.
 */

/** What makes a span impossible to store: it is dead-lettered with this reason, never retried. */
export function spanProblem(span: Span): string | undefined {
  if (typeof span !== 'object' || span === null) return 'not a span object';
  if (typeof span.traceId !== 'string' || !/^[0-9a-f]{32}$/.test(span.traceId))
    return 'traceId is not 32 lower-case hex digits';
  if (span.traceId === '0'.repeat(32)) return 'traceId is all zeros';
  if (typeof span.spanId !== 'string' || !/^[0-9a-f]{16}$/.test(span.spanId))
    return 'spanId is not 16 lower-case hex digits';
  if (typeof span.parentSpanId !== 'string' || !/^([0-9a-f]{16})?$/.test(span.parentSpanId))
    return "parentSpanId is neither '' nor 16 lower-case hex digits";
  if (typeof span.service !== 'string' || span.service === '') return 'service is missing';
  if (typeof span.name !== 'string') return 'name is missing';
  if (!SPAN_KINDS.includes(span.kind)) return `unknown kind ${String(span.kind)}`;
  if (span.status !== 'unset' && span.status !== 'ok' && span.status !== 'error')
    return `unknown status ${String(span.status)}`;
  if (!isNanoTime(span.startUnixNano) || !isNanoTime(span.endUnixNano))
    return 'startUnixNano or endUnixNano is not a non-negative 64-bit integer';
  if (typeof span.attributes !== 'object' || span.attributes === null) return 'attributes is not an object';
  if (!Array.isArray(span.events) || !Array.isArray(span.links)) return 'events or links is not a list';
  return undefined;
}

const MAX_INT64 = 2n ** 63n - 1n;

function isNanoTime(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{1,19}$/.test(text)) return false;
  return BigInt(text) <= MAX_INT64;
}

/** Duration in nanoseconds; a span ending before it starts lasts 0. */
export function spanDurationNs(span: Span): bigint {
  const d = BigInt(span.endUnixNano) - BigInt(span.startUnixNano);
  return d < 0n ? 0n : d;
}

/** The key a trace's root is chosen by (the smallest wins): parentless first, then start, span id. */
export function rootKey(span: Span): [number, bigint, string] {
  return [span.parentSpanId === '' ? 0 : 1, BigInt(span.startUnixNano), span.spanId];
}

export function rootKeyLess(a: [number, bigint, string], b: [number, bigint, string]): boolean {
  if (a[0] !== b[0]) return a[0] < b[0];
  if (a[1] !== b[1]) return a[1] < b[1];
  return a[2] < b[2];
}

/** True when a search has a condition on spans beyond its time range (see the rules above). */
export function hasSpanConditions(q: TraceSearch): boolean {
  return (
    q.service !== undefined ||
    q.operation !== undefined ||
    q.minDurationMs !== undefined ||
    q.maxDurationMs !== undefined ||
    q.status !== undefined ||
    Object.keys(q.tags ?? {}).length > 0
  );
}

/** Nearest-rank percentile of values sorted ascending (the value at rank ceil(p n)). */
export function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? 0;
}

/**
 * A tag condition k:v compares the attribute's JSON text (as the span batch wrote it) with these:
 * v as a JSON string, and v itself when it reads as a number or a boolean, so `http.status_code:200`
 * finds the number 200 and the string "200" alike.
 */
export function tagCandidates(value: string): string[] {
  const out = [JSON.stringify(value)];
  if (value === 'true' || value === 'false') out.push(value);
  else if (value.trim() !== '' && String(Number(value)) === value) out.push(value);
  return out;
}

/** Milliseconds from nanoseconds, fractional, as the API reports durations. */
export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** Epoch ms (whole) of a nanosecond time. */
export function nsToEpochMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;
export const STATUS_NAME = ['unset', 'ok', 'error'] as const;
