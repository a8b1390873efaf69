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
export {
  CLICKHOUSE_FUNCTIONS,
  CLICKHOUSE_TABLES,
  CLICKHOUSE_TIER_TABLES,
  compileClickHouse,
  likeToClickHouse,
} from './clickhouse-compiler.js';
export type {
  ClickHouseColumn,
  ClickHouseCompileOptions,
  CompiledClickHouse,
  SketchAliases,
} from './clickhouse-compiler.js';
export { tokenize } from './lexer.js';
export type { Token, TokenKind } from './lexer.js';
export { MAX_NESTING, MAX_QUERY_LENGTH, parseVql } from './parser.js';
export type {
  ColumnSource,
  Filter,
  FilterField,
  GroupKey,
  LogicalPlan,
  OutputColumn,
  PlanAggregate,
  PlanGroupKey,
  SortKey,
  TimeRange,
  ValidatedQuery,
} from './plan.js';
export { planQuery } from './planner.js';
export type { PlanOptions } from './planner.js';
export { SQLITE_FUNCTIONS, SQLITE_TABLES, compileSqlite, likeToGlob } from './sqlite-compiler.js';
export type { CompiledSql, SqlParam, SqliteColumn } from './sqlite-compiler.js';
export { DEFAULT_VQL_LIMITS, validateVql } from './validator.js';
export type { VqlLimits } from './validator.js';
export { prepareVql } from './vql.js';
export type { PrepareOptions } from './vql.js';
export { vqlCacheKey } from './cache-key.js';
export { LruQueryCache } from './lru-query-cache.js';
export type { LruQueryCacheOptions } from './lru-query-cache.js';
export type { QueryCache, QueryCacheUsage } from './query-cache.js';
export { VQL_ERRORS, VqlError, positionAt } from './vql-error.js';
export type { Position, VqlErrorCode } from './vql-error.js';
export { shapeVqlAnswer } from './result.js';
export type { VqlAnswer, VqlRow, VqlValue } from './result.js';
