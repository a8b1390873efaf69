import type { TierRetention } from '../core/index.js';
import type { LogicalPlan } from './plan.js';
import { parseVql } from './parser.js';
import { planQuery } from './planner.js';
import { validateVql, type VqlLimits } from './validator.js';

export interface PrepareOptions extends Partial<VqlLimits> {
  readonly retention?: TierRetention;
}

/** Text to logical plan: parse, validate, plan. Throws VqlError for anything it refuses. */
export function prepareVql(text: string, options: PrepareOptions = {}): LogicalPlan {
  const now = options.now ?? Date.now();
  const { retention, ...limits } = options;
  const validated = validateVql(parseVql(text), { ...limits, now });
  return planQuery(validated, { now, retention });
}
