import type { Position } from './vql-error.js';

/** The syntax tree of one VQL query, as written: names are checked later, by the validator. */
export interface QueryAst {
  readonly kind: 'query';
  readonly pos: Position;
  readonly select: readonly SelectItem[];
  readonly from: TableRef;
  readonly where: Condition | undefined;
  readonly groupBy: readonly ValueExpr[];
  readonly orderBy: readonly OrderItem[];
  readonly limit: LimitClause | undefined;
}

export interface TableRef {
  readonly kind: 'table';
  readonly pos: Position;
  /** As written, dotted parts joined with '.' (`system.tables`). */
  readonly name: string;
}

export interface SelectItem {
  readonly kind: 'select_item';
  readonly pos: Position;
  readonly expr: ValueExpr;
  readonly alias: Identifier | undefined;
}

export interface Identifier {
  readonly kind: 'identifier';
  readonly pos: Position;
  readonly name: string;
}

export interface OrderItem {
  readonly kind: 'order_item';
  readonly pos: Position;
  readonly expr: ValueExpr;
  readonly direction: 'asc' | 'desc';
}

export interface LimitClause {
  readonly kind: 'limit';
  readonly pos: Position;
  readonly value: number;
}

/** `service_name`, `tags.route`, `tags['http.route']`; `name` lower-cased, `tagKey` as written. */
export interface ColumnRef {
  readonly kind: 'column';
  readonly pos: Position;
  readonly name: string;
  readonly tagKey: string | undefined;
}

export interface StarExpr {
  readonly kind: 'star';
  readonly pos: Position;
}

export interface CallExpr {
  readonly kind: 'call';
  readonly pos: Position;
  /** Lower-cased. */
  readonly name: string;
  readonly args: readonly ValueExpr[];
}

export interface NumberLiteral {
  readonly kind: 'number';
  readonly pos: Position;
  readonly value: number;
  readonly text: string;
}

export interface StringLiteral {
  readonly kind: 'string';
  readonly pos: Position;
  readonly value: string;
}

export interface DurationLiteral {
  readonly kind: 'duration';
  readonly pos: Position;
  readonly ms: number;
  readonly text: string;
}

/** `INTERVAL '1 hour'`: the text is read by the validator. */
export interface IntervalLiteral {
  readonly kind: 'interval';
  readonly pos: Position;
  readonly text: string;
}

/** `now() - 1h + 5m`: a first term and the terms added or subtracted from it, in order. */
export interface ArithExpr {
  readonly kind: 'arith';
  readonly pos: Position;
  readonly first: ValueExpr;
  readonly rest: ReadonlyArray<{ readonly op: '+' | '-'; readonly term: ValueExpr }>;
}

export type ValueExpr =
  | ColumnRef
  | StarExpr
  | CallExpr
  | NumberLiteral
  | StringLiteral
  | DurationLiteral
  | IntervalLiteral
  | ArithExpr;

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface LogicalCondition {
  readonly kind: 'and' | 'or';
  readonly pos: Position;
  readonly operands: readonly Condition[];
}

export interface NotCondition {
  readonly kind: 'not';
  readonly pos: Position;
  readonly operand: Condition;
}

export interface CompareCondition {
  readonly kind: 'compare';
  readonly pos: Position;
  /** `<>` is read as `!=`. */
  readonly op: CompareOp;
  readonly opPos: Position;
  readonly left: ValueExpr;
  readonly right: ValueExpr;
}

export interface InCondition {
  readonly kind: 'in';
  readonly pos: Position;
  readonly negated: boolean;
  readonly subject: ValueExpr;
  readonly values: readonly ValueExpr[];
}

export interface LikeCondition {
  readonly kind: 'like';
  readonly pos: Position;
  readonly negated: boolean;
  readonly subject: ValueExpr;
  readonly pattern: ValueExpr;
}

export interface BetweenCondition {
  readonly kind: 'between';
  readonly pos: Position;
  readonly negated: boolean;
  readonly subject: ValueExpr;
  readonly low: ValueExpr;
  readonly high: ValueExpr;
}

/** One comparison: what the ten-condition limit counts. */
export type Predicate = CompareCondition | InCondition | LikeCondition | BetweenCondition;

export type Condition = LogicalCondition | NotCondition | Predicate;
