import { metricSet } from '../telemetry/index.js';

/** The ruler's self-metrics (the notification side adds its own `vantage_alerts_*`). */
export type RulerMetrics = ReturnType<typeof createRulerMetrics>;

export const createRulerMetrics = metricSet((m) => ({
  rules: m.gauge(
    'vantage_alerts_rules',
    'Rules in force, by where they come from (file or api); bounded by --alert-max-rules',
    ['source'],
  ),
  active: m.gauge('vantage_alerts_active', 'Alert instances pending or firing after the last evaluations', [
    'state',
  ]),
  evaluations: m.counter(
    'vantage_alerts_rule_evaluations_total',
    'Rule evaluations, by outcome (ok, failed)',
    ['outcome'],
  ),
  groupDuration: m.histogram(
    'vantage_alerts_group_evaluation_seconds',
    'Time to evaluate one rule group: its queries, the state machine and the durable write',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ),
  droppedInstances: m.counter(
    'vantage_alerts_instances_dropped_total',
    'Rows past --alert-max-instances-per-rule, dropped from an evaluation',
  ),
  refusedFiles: m.counter(
    'vantage_alerts_rule_files_refused_total',
    'Rules files refused on (re)load; the rules already in force keep running',
  ),
  isLeader: m.gauge(
    'vantage_alerts_ruler_leader',
    '1 when this process is the one that evaluates rules (always 1 in embedded mode)',
  ),
}));
