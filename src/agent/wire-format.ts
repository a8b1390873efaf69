import { METRIC_LIMITS } from '../core/index.js';
import type { Sample } from '../core/index.js';

/**
 * The collector's limits on one metric (POST /v1/metrics). The agent checks its own samples against
 * them so that one odd mountpoint or interface name cannot get a whole batch refused.
 */
export const WIRE_LIMITS = {
  ...METRIC_LIMITS,
  /** The collector takes up to 10,000; smaller requests retry cheaply and stay well under its body limit. */
  maxMetricsPerRequest: 1_000,
} as const;

/** Why a sample breaks the collector's limits, or undefined when it is fine. */
export function wireLimitProblem(sample: Sample): string | undefined {
  const L = WIRE_LIMITS;
  if (!L.servicePattern.test(sample.service) || sample.service.length > L.serviceMaxLength)
    return `service "${sample.service}" does not match ${String(L.servicePattern)} (at most ${L.serviceMaxLength} characters)`;
  if (!L.namePattern.test(sample.name) || sample.name.length > L.nameMaxLength)
    return `metric name "${sample.name}" is not valid`;
  if (!Number.isFinite(sample.value)) return `${sample.name}: value ${sample.value} is not finite`;
  const tags = Object.entries(sample.tags);
  if (tags.length > L.maxTags) return `${sample.name}: more than ${L.maxTags} tags`;
  for (const [key, value] of tags) {
    if (!L.tagKeyPattern.test(key) || key.length > L.tagKeyMaxLength)
      return `${sample.name}: tag key "${key}" is not valid`;
    if (value.length > L.tagValueMaxLength)
      return `${sample.name}: tag ${key} is longer than ${L.tagValueMaxLength} characters`;
  }
  return undefined;
}

/** The request body of POST /v1/metrics. */
export interface MetricsRequestBody {
  readonly metrics: readonly Sample[];
}

/**
 * The body as JSON with one metric per line: the same value the sender posts, laid out for a person
 * reading `vantage agent --once` (and for grep).
 */
export function formatBodyForPeople(samples: readonly Sample[]): string {
  if (samples.length === 0) return '{"metrics": []}';
  return `{"metrics": [\n${samples.map((s) => `  ${JSON.stringify(s)}`).join(',\n')}\n]}`;
}
