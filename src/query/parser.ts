import type {
  CallExpr,
  ColumnRef,
  CompareOp,
  Condition,
  Identifier,
  OrderItem,
  Predicate,
  QueryAst,
  SelectItem,
  TableRef,
  ValueExpr,
} from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { VqlError, positionAt } from './vql-error.js';

/** Longer queries are refused before they are read: no dashboard needs one. */
export const MAX_QUERY_LENGTH = 10_000;
/** Nesting of parentheses, NOT and function calls; keeps the recursive descent off the stack limit. */
export const MAX_NESTING = 32;

/** Words that cannot name a column or alias, with what to do instead where VQL lacks them. */
const RESERVED: ReadonlyMap<string, string> = new Map([
  ...['SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'ASC', 'DESC', 'LIMIT'].map((w) => [w, ''] as const),
  ...['AND', 'OR', 'NOT', 'IN', 'LIKE', 'BETWEEN', 'AS', 'INTERVAL'].map((w) => [w, ''] as const),
  ['UNION', 'UNION is not supported: a VQL request is one SELECT'],
  ['INTERSECT', 'INTERSECT is not supported: a VQL request is one SELECT'],
  ['EXCEPT', 'EXCEPT is not supported: a VQL request is one SELECT'],
  ['JOIN', 'Joins are not supported: VQL reads the one table metrics'],
  [
    'HAVING',
    'HAVING is not supported: filter on service_name, metric_name, type, tags or timestamp in WHERE',
  ],
  ['OFFSET', 'OFFSET is not supported: narrow the query with WHERE or ORDER BY ... LIMIT'],
  ['DISTINCT', 'DISTINCT is not supported: GROUP BY gives one row per distinct key'],
  [
    'IS',
    'IS NULL is not supported: a missing tag reads as the empty string, so compare with tags.key = ' + "''",
  ],
  ['NULL', "NULL is not supported: a missing tag reads as the empty string ''"],
  ['CASE', 'CASE is not supported'],
  ['EXISTS', 'Subqueries are not supported'],
  ['WITH', 'WITH is not supported: a VQL request is one SELECT'],
  ...['INSERT', 'UPDATE', 'DELETE', 'DROP', 'CREATE', 'ALTER', 'ATTACH', 'PRAGMA', 'REPLACE'].map(
    (w) => [w, `${w} is not allowed: VQL only reads, with SELECT`] as const,
  ),
]);

const COMPARE_OPS: ReadonlyMap<string, CompareOp> = new Map([
  ['=', '='],
  ['!=', '!='],
  ['<>', '!='],
  ['<', '<'],
  ['<=', '<='],
  ['>', '>'],
  ['>=', '>='],
]);

/** Parses one VQL query into its syntax tree; throws VqlError at the first token it cannot use. */
export function parseVql(text: string): QueryAst {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new VqlError(
      'VTG_VQL_QUERY_TOO_LONG',
      `The query is longer than ${MAX_QUERY_LENGTH} characters`,
      positionAt(text, MAX_QUERY_LENGTH),
    );
  }
  return new Parser(tokenize(text)).query();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  query(): QueryAst {
    const start = this.peek();
    if (!this.isKeyword(start, 'SELECT')) {
      const hint = start.kind === 'ident' ? RESERVED.get(start.value) : undefined;
      throw this.error(start, hint || 'A VQL query starts with SELECT');
    }
    this.index++;
    const select = this.list(() => this.selectItem());
    this.expectKeyword('FROM', 'after the selected columns');
    const from = this.table();
    let where: Condition | undefined;
    if (this.acceptKeyword('WHERE')) where = this.or();
    let groupBy: ValueExpr[] = [];
    if (this.acceptKeyword('GROUP')) {
      this.expectKeyword('BY', 'after GROUP');
      groupBy = this.list(() => this.value());
    }
    let orderBy: OrderItem[] = [];
    if (this.acceptKeyword('ORDER')) {
      this.expectKeyword('BY', 'after ORDER');
      orderBy = this.list(() => this.orderItem());
    }
    let limit: QueryAst['limit'];
    if (this.acceptKeyword('LIMIT')) {
      const t = this.peek();
      if (t.kind !== 'number' || !Number.isInteger(t.num)) {
        throw this.error(t, 'LIMIT takes a whole number of rows, e.g. LIMIT 100');
      }
      this.index++;
      limit = { kind: 'limit', pos: t.pos, value: t.num };
    }
    this.acceptPunct(';');
    const end = this.peek();
    if (end.kind !== 'eof') throw this.error(end, this.trailingReason(end, where, groupBy, orderBy, limit));
    return { kind: 'query', pos: start.pos, select, from, where, groupBy, orderBy, limit };
  }

  private trailingReason(
    t: Token,
    where: unknown,
    groupBy: readonly unknown[],
    orderBy: readonly unknown[],
    limit: unknown,
  ): string {
    const hint = t.kind === 'ident' ? RESERVED.get(t.value) : undefined;
    if (hint) return hint;
    if (this.isKeyword(t, 'WHERE') || this.isKeyword(t, 'GROUP') || this.isKeyword(t, 'ORDER')) {
      return 'Clauses go in the order WHERE, GROUP BY, ORDER BY, LIMIT';
    }
    const next = [
      where === undefined && groupBy.length === 0 && orderBy.length === 0 && limit === undefined
        ? 'WHERE'
        : '',
      groupBy.length === 0 && orderBy.length === 0 && limit === undefined ? 'GROUP BY' : '',
      orderBy.length === 0 && limit === undefined ? 'ORDER BY' : '',
      limit === undefined ? 'LIMIT' : '',
    ].filter((s) => s !== '');
    return `Did not expect ${describe(t)} here: expected ${[...next, 'the end of the query'].join(', ')}`;
  }

  private selectItem(): SelectItem {
    const t = this.peek();
    const expr: ValueExpr = this.acceptPunct('*') ? { kind: 'star', pos: t.pos } : this.value();
    let alias: Identifier | undefined;
    if (this.acceptKeyword('AS')) alias = this.identifier('an alias after AS');
    return { kind: 'select_item', pos: t.pos, expr, alias };
  }

  private orderItem(): OrderItem {
    const t = this.peek();
    const expr = this.value();
    let direction: 'asc' | 'desc' = 'asc';
    if (this.acceptKeyword('DESC')) direction = 'desc';
    else this.acceptKeyword('ASC');
    return { kind: 'order_item', pos: t.pos, expr, direction };
  }

  private table(): TableRef {
    const t = this.peek();
    if (this.isPunct(t, '(')) throw this.error(t, 'Subqueries are not supported: write FROM metrics');
    let name = this.identifier('a table name (metrics)').name;
    while (this.acceptPunct('.')) name += '.' + this.identifier('a table name (metrics)').name;
    return { kind: 'table', pos: t.pos, name };
  }

  // ---- conditions: OR binds looser than AND, which binds looser than NOT.

  private or(): Condition {
    return this.logical('or', 'OR', () => this.and());
  }

  private and(): Condition {
    return this.logical('and', 'AND', () => this.not());
  }

  private logical(kind: 'and' | 'or', word: string, operand: () => Condition): Condition {
    const first = operand();
    if (!this.isKeyword(this.peek(), word)) return first;
    const operands = [first];
    while (this.acceptKeyword(word)) operands.push(operand());
    return { kind, pos: first.pos, operands };
  }

  private not(): Condition {
    const t = this.peek();
    if (this.acceptKeyword('NOT')) {
      return this.nested(t, () => ({ kind: 'not', pos: t.pos, operand: this.not() }));
    }
    if (this.acceptPunct('(')) {
      if (this.isKeyword(this.peek(), 'SELECT'))
        throw this.error(this.peek(), 'Subqueries are not supported');
      const inner = this.nested(t, () => this.or());
      this.expectPunct(')', 'to close the parenthesis');
      return inner;
    }
    return this.predicate();
  }

  private predicate(): Predicate {
    const subject = this.value();
    const t = this.peek();
    const op = t.kind === 'punct' ? COMPARE_OPS.get(t.value) : undefined;
    if (op !== undefined) {
      this.index++;
      return { kind: 'compare', pos: subject.pos, op, opPos: t.pos, left: subject, right: this.value() };
    }
    const negated = this.acceptKeyword('NOT');
    if (this.acceptKeyword('IN')) {
      const open = this.peek();
      this.expectPunct('(', 'after IN');
      if (this.isKeyword(this.peek(), 'SELECT'))
        throw this.error(this.peek(), 'Subqueries are not supported');
      const values = this.nested(open, () => this.list(() => this.value()));
      this.expectPunct(')', 'to close the IN list');
      return { kind: 'in', pos: subject.pos, negated, subject, values };
    }
    if (this.acceptKeyword('LIKE')) {
      return { kind: 'like', pos: subject.pos, negated, subject, pattern: this.value() };
    }
    if (this.acceptKeyword('BETWEEN')) {
      const low = this.value();
      this.expectKeyword('AND', 'between the two bounds of BETWEEN');
      return { kind: 'between', pos: subject.pos, negated, subject, low, high: this.value() };
    }
    const at = this.peek();
    const hint = at.kind === 'ident' ? RESERVED.get(at.value) : undefined;
    throw this.error(
      at,
      hint ||
        `Expected a comparison after ${describe(this.tokens[this.index - 1] ?? at)}: =, !=, <>, <, <=, >, >=, IN, LIKE or BETWEEN`,
    );
  }

  // ---- values

  /** A term, or terms joined by + and - (only times and durations may be added, which the validator checks). */
  private value(): ValueExpr {
    const first = this.term();
    const rest: { op: '+' | '-'; term: ValueExpr }[] = [];
    for (;;) {
      const t = this.peek();
      if (!this.isPunct(t, '+') && !this.isPunct(t, '-')) break;
      this.index++;
      rest.push({ op: t.value as '+' | '-', term: this.term() });
    }
    return rest.length === 0 ? first : { kind: 'arith', pos: first.pos, first, rest };
  }

  private term(): ValueExpr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.index++;
        return { kind: 'number', pos: t.pos, value: t.num, text: t.text };
      case 'duration':
        this.index++;
        return { kind: 'duration', pos: t.pos, ms: t.num, text: t.text };
      case 'string':
        this.index++;
        return { kind: 'string', pos: t.pos, value: t.value };
      case 'ident':
        if (this.acceptKeyword('INTERVAL')) {
          const s = this.peek();
          if (s.kind !== 'string') throw this.error(s, "INTERVAL takes a string, e.g. INTERVAL '1 hour'");
          this.index++;
          return { kind: 'interval', pos: t.pos, text: s.value };
        }
        if (this.isPunct(this.peekAt(1), '(')) return this.call();
        return this.column();
      default:
        break;
    }
    if (this.isPunct(t, '(')) {
      throw this.error(
        t,
        this.isKeyword(this.peekAt(1), 'SELECT')
          ? 'Subqueries are not supported'
          : 'Parentheses group conditions, not values: remove them',
      );
    }
    if (this.isPunct(t, '-')) throw this.error(t, 'Negative values are not supported here');
    throw this.error(t, `Expected a column, function or value, found ${describe(t)}`);
  }

  private call(): CallExpr {
    const name = this.peek();
    this.index++;
    const open = this.peek();
    this.index++;
    const args: ValueExpr[] = [];
    if (!this.acceptPunct(')')) {
      this.nested(open, () => {
        do {
          const a = this.peek();
          if (this.isKeyword(a, 'SELECT')) throw this.error(a, 'Subqueries are not supported');
          args.push(this.acceptPunct('*') ? { kind: 'star', pos: a.pos } : this.value());
        } while (this.acceptPunct(','));
      });
      this.expectPunct(')', `to close ${name.text}(`);
    }
    return { kind: 'call', pos: name.pos, name: name.text.toLowerCase(), args };
  }

  private column(): ColumnRef {
    const first = this.identifier('a column');
    const name = first.name.toLowerCase();
    if (this.acceptPunct('.')) {
      const t = this.peek();
      if (t.kind !== 'ident') throw this.error(t, `Expected a name after '${first.name}.'`);
      this.index++;
      if (name === 'tags') return { kind: 'column', pos: first.pos, name, tagKey: t.text };
      return { kind: 'column', pos: first.pos, name: `${name}.${t.text.toLowerCase()}`, tagKey: undefined };
    }
    if (this.acceptPunct('[')) {
      const t = this.peek();
      if (t.kind !== 'string') throw this.error(t, "Expected a quoted key, e.g. tags['http.route']");
      this.index++;
      this.expectPunct(']', `to close ${first.name}[`);
      return { kind: 'column', pos: first.pos, name, tagKey: t.value };
    }
    return { kind: 'column', pos: first.pos, name, tagKey: undefined };
  }

  // ---- helpers

  private identifier(what: string): Identifier {
    const t = this.peek();
    if (t.kind !== 'ident') throw this.error(t, `Expected ${what}, found ${describe(t)}`);
    const reserved = RESERVED.get(t.value);
    if (reserved !== undefined) {
      throw this.error(t, reserved || `Expected ${what}, found the keyword ${t.value}`);
    }
    this.index++;
    return { kind: 'identifier', pos: t.pos, name: t.text };
  }

  private list<T>(item: () => T): T[] {
    const out = [item()];
    while (this.acceptPunct(',')) out.push(item());
    return out;
  }

  private nested<T>(at: Token, body: () => T): T {
    if (++this.depth > MAX_NESTING) {
      throw new VqlError('VTG_VQL_TOO_COMPLEX', `Nesting deeper than ${MAX_NESTING} levels`, at.pos);
    }
    const out = body();
    this.depth--;
    return out;
  }

  private peek(): Token {
    return this.peekAt(0);
  }

  private peekAt(ahead: number): Token {
    // The token list always ends with eof, and the parser never moves past it.
    return (this.tokens[this.index + ahead] ?? this.tokens[this.tokens.length - 1]) as Token;
  }

  private isKeyword(t: Token, word: string): boolean {
    return t.kind === 'ident' && t.value === word;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.value === p;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(this.peek(), word)) return false;
    this.index++;
    return true;
  }

  private acceptPunct(p: string): boolean {
    if (!this.isPunct(this.peek(), p)) return false;
    this.index++;
    return true;
  }

  private expectKeyword(word: string, where: string): void {
    const t = this.peek();
    if (!this.acceptKeyword(word)) {
      const hint = t.kind === 'ident' ? RESERVED.get(t.value) : undefined;
      throw this.error(t, hint || `Expected ${word} ${where}, found ${describe(t)}`);
    }
  }

  private expectPunct(p: string, where: string): void {
    const t = this.peek();
    if (!this.acceptPunct(p)) throw this.error(t, `Expected '${p}' ${where}, found ${describe(t)}`);
  }

  private error(t: Token, reason: string): VqlError {
    return new VqlError('VTG_VQL_SYNTAX_ERROR', reason, t.pos);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the query';
    case 'string':
      return `the string ${t.text.length > 24 ? t.text.slice(0, 20) + "...'" : t.text}`;
    case 'number':
    case 'duration':
      return `'${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}
