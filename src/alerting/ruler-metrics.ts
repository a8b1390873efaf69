import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The ruler's self-metrics (the notification side adds its own `vantage_alerts_*`). */
export interface RulerMetrics {
  readonly rules: Gauge<'source'>;
  readonly active: Gauge<'state'>;
  readonly evaluations: Counter<'outcome'>;
  readonly groupDuration: Histogram;
  readonly droppedInstances: Counter;
  readonly refusedFiles: Counter;
  readonly isLeader: Gauge;
}

export function createRulerMetrics(registry: Registry): RulerMetrics {
  const registers = [registry];
  return {
    rules: new Gauge({
      name: 'vantage_alerts_rules',
      help: 'Rules in force, by where they come from (file or api); bounded by --alert-max-rules',
      labelNames: ['source'],
      registers,
    }),
    active: new Gauge({
      name: 'vantage_alerts_active',
      help: 'Alert instances pending or firing after the last evaluations',
      labelNames: ['state'],
      registers,
    }),
    evaluations: new Counter({
      name: 'vantage_alerts_rule_evaluations_total',
      help: 'Rule evaluations, by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    groupDuration: new Histogram({
      name: 'vantage_alerts_group_evaluation_seconds',
      help: 'Time to evaluate one rule group: its queries, the state machine and the durable write',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    droppedInstances: new Counter({
      name: 'vantage_alerts_instances_dropped_total',
      help: 'Rows past --alert-max-instances-per-rule, dropped from an evaluation',
      registers,
    }),
    refusedFiles: new Counter({
      name: 'vantage_alerts_rule_files_refused_total',
      help: 'Rules files refused on (re)load; the rules already in force keep running',
      registers,
    }),
    isLeader: new Gauge({
      name: 'vantage_alerts_ruler_leader',
      help: '1 when this process is the one that evaluates rules (always 1 in embedded mode)',
      registers,
    }),
  };
}
