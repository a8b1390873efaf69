import { AGGREGATIONS } from '../../../src/core/step-value';

/**
 * Splits VQL text into coloured pieces for the editor. It follows the rules of the server's
 * tokenizer (src/query/lexer.ts: identifiers, numbers, durations such as 5m, '...' strings with ''
 * for a quote, the same punctuation) but never refuses anything: text the server would refuse is
 * still shown, as an `invalid` piece, and the server's error says why. A test keeps the two in step.
 */
export type PieceKind =
  | 'keyword'
  | 'function'
  | 'column'
  | 'ident'
  | 'number'
  | 'duration'
  | 'string'
  | 'punct'
  | 'space'
  | 'invalid';

export interface Piece {
  readonly kind: PieceKind;
  readonly text: string;
  /** Offset of the piece's first character in the whole text. */
  readonly start: number;
}

export const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'ORDER',
  'LIMIT',
  'AS',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'BETWEEN',
  'ASC',
  'DESC',
  'INTERVAL',
]);

export const FUNCTIONS = new Set<string>([...AGGREGATIONS, 'time_bucket', 'now']);

export const COLUMNS = new Set([
  'service_name',
  'metric_name',
  'type',
  'tags',
  'timestamp',
  'value',
  'metrics',
]);

const PIECE = new RegExp(
  [
    String.raw`(?<space>\s+)`,
    String.raw`(?<comment>--|/\*|#)`,
    String.raw`(?<ident>[A-Za-z_][A-Za-z0-9_]*)`,
    String.raw`(?<num>[0-9]+(?:\.[0-9]+)?[A-Za-z0-9_]*)`,
    String.raw`(?<string>'(?:[^']|'')*(?:'|$))`,
    String.raw`(?<punct>!=|<>|<=|>=|[(),.*;\[\]=<>+\-])`,
    String.raw`(?<other>.)`,
  ].join('|'),
  'gsy',
);

export function highlight(text: string): Piece[] {
  const pieces: Piece[] = [];
  PIECE.lastIndex = 0;
  for (let m = PIECE.exec(text); m !== null; m = PIECE.exec(text)) {
    const g = m.groups as Record<string, string | undefined>;
    const start = m.index;
    const piece = (kind: PieceKind, t = m?.[0] as string): Piece => ({ kind, text: t, start });
    if (g.space) pieces.push(piece('space'));
    else if (g.ident) {
      const word = g.ident;
      const next = text.slice(PIECE.lastIndex).match(/^\s*\(/);
      if (KEYWORDS.has(word.toUpperCase())) pieces.push(piece('keyword'));
      else if (next && FUNCTIONS.has(word.toLowerCase())) pieces.push(piece('function'));
      else if (COLUMNS.has(word.toLowerCase())) pieces.push(piece('column'));
      else pieces.push(piece('ident'));
    } else if (g.num) {
      const word = g.num;
      if (/^[0-9]+(\.[0-9]+)?$/.test(word)) pieces.push(piece('number'));
      else if (/^[0-9.]+(ms|s|m|h|d|w)$/.test(word)) pieces.push(piece('duration'));
      else pieces.push(piece('invalid'));
    } else if (g.string) pieces.push(piece('string'));
    else if (g.punct) pieces.push(piece('punct'));
    else if (g.comment) {
      // The server refuses comments; show the rest of the line as what it would swallow.
      const end = text.indexOf('\n', start);
      const stop = end === -1 ? text.length : end;
      pieces.push(piece('invalid', text.slice(start, stop)));
      PIECE.lastIndex = stop;
    } else pieces.push(piece('invalid'));
  }
  return pieces;
}

/** The offset of a 1-based line and column in the text (where the server says an error is). */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + column - 1);
}
