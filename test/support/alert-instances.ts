import type { AlertInstance } from '../../src/alerting/index.js';

/**
 * Hand-made alert instances, as the ruler would hand them to an AlertSink: the tests of the
 * notification side play the ruler with these.
 */
export function firingAlert(
  rule: string,
  labels: Record<string, string>,
  at: number,
  extra: Partial<AlertInstance> = {},
): AlertInstance {
  const all = { alertname: rule, ...labels };
  return {
    rule,
    group: 'test',
    fingerprint: `${rule}${JSON.stringify(Object.entries(all).sort())}`,
    labels: all,
    annotations: { summary: `${rule} on ${labels['service'] ?? 'everything'}` },
    state: 'firing',
    value: 750,
    activeAt: at - 120_000,
    firedAt: at,
    ...extra,
  };
}

export function resolvedAlert(alert: AlertInstance, at: number): AlertInstance {
  return { ...alert, state: 'resolved', resolvedAt: at };
}
