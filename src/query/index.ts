export type {
  ArithExpr,
  BetweenCondition,
  CallExpr,
  ColumnRef,
  CompareCondition,
  CompareOp,
  Condition,
  DurationLiteral,
  Identifier,
  InCondition,
  IntervalLiteral,
  LikeCondition,
  LimitClause,
  LogicalCondition,
  NotCondition,
  NumberLiteral,
  OrderItem,
  Predicate,
  QueryAst,
  SelectItem,
  StarExpr,
  StringLiteral,
  TableRef,
  ValueExpr,
} from './ast.js';
export { tokenize } from './lexer.js';
export type { Token, TokenKind } from './lexer.js';
export { MAX_NESTING, MAX_QUERY_LENGTH, parseVql } from './parser.js';
export type {
  ColumnSource,
  Filter,
  FilterField,
  GroupKey,
  LogicalPlan,
  ScanPiece,
  OutputColumn,
  PlanAggregate,
  PlanGroupKey,
  SortKey,
  TimeRange,
  ValidatedQuery,
} from './plan.js';
export { planQuery, tagRollupKey } from './planner.js';
export type { PlanOptions } from './planner.js';
export { DEFAULT_VQL_LIMITS, validateVql } from './validator.js';
export type { VqlLimits } from './validator.js';
export { prepareVql } from './vql.js';
export type { PrepareOptions } from './vql.js';
export { VQL_ERRORS, VqlError, positionAt } from './vql-error.js';
export type { Position, VqlErrorCode } from './vql-error.js';
export { shapeVqlAnswer } from './result.js';
export type { VqlAnswer, VqlRow, VqlValue } from './result.js';
