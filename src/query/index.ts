export { tokenize } from './lexer.js';
export type { Token } from './lexer.js';
export type {
  Filter,
  FilterField,
  GroupKey,
  LogicalPlan,
  PlanAggregate,
  SortKey,
  TimeRange,
} from './plan.js';
export { prepareVql } from './vql.js';
export { VqlError, positionAt } from './vql-error.js';
export type { Position, VqlErrorCode } from './vql-error.js';
export { shapeVqlAnswer } from './result.js';
export type { VqlAnswer, VqlRow, VqlValue } from './result.js';
