import { parseDuration } from '../core/index.js';
import { VqlError, type Position } from './vql-error.js';

export type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (for a string, with its quotes). */
  readonly text: string;
  /** Identifiers upper-cased (keywords are case-insensitive); strings unescaped; else the text. */
  readonly value: string;
  /** Numbers: the number; durations: milliseconds. */
  readonly num: number;
  readonly pos: Position;
  /** Offset just past the token. */
  readonly end: number;
}

const PUNCT2 = new Set(['!=', '<>', '<=', '>=']);
const PUNCT1 = new Set(['(', ')', ',', '.', '*', ';', '[', ']', '=', '<', '>', '+', '-']);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** How to name a character in a message: itself when printable ASCII, else its code point. */
export function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code > 32 && code < 127) return `'${ch}'`;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Splits VQL text into tokens. Refuses, at the first offending character, what VQL never needs and
 * injected SQL relies on: comments, a second statement, double-quoted or backticked names,
 * placeholders, hex literals.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (offset: number): Position => ({ line, column: offset - lineStart + 1, offset });
  const push = (kind: TokenKind, start: number, value: string, num = Number.NaN): void => {
    tokens.push({ kind, text: text.slice(start, i), value, num, pos: here(start), end: i });
  };

  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      if (c === 10) {
        line++;
        lineStart = i + 1;
      }
      i++;
      continue;
    }
    const start = i;
    const two = text.slice(i, i + 2);
    if (two === '--' || two === '/*' || c === 35 /* # */) {
      throw new VqlError(
        'VTG_VQL_COMMENT_NOT_ALLOWED',
        `Comments are not allowed in VQL (they are how injected SQL hides the rest of a query): remove '${c === 35 ? '#' : two}'`,
        here(start),
      );
    }
    if (isIdentStart(c)) {
      while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      push('ident', start, word.toUpperCase());
      continue;
    }
    if (isDigit(c)) {
      lexNumber(text, start, here(start), (end, kind, num) => {
        i = end;
        push(kind, start, text.slice(start, end), num);
      });
      continue;
    }
    if (c === 39 /* ' */) {
      // The string's position is where it opens, even when it spans lines.
      const pos = here(start);
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new VqlError(
            'VTG_VQL_SYNTAX_ERROR',
            "Unterminated string: close it with ' (write '' for a quote inside a string)",
            pos,
          );
        }
        const d = text.charCodeAt(i);
        if (d === 39) {
          if (text.charCodeAt(i + 1) === 39) {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === 10) {
          line++;
          lineStart = i + 1;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'string', text: text.slice(start, i), value, num: Number.NaN, pos, end: i });
      continue;
    }
    if (PUNCT2.has(two)) {
      i += 2;
      push('punct', start, two);
      continue;
    }
    const ch = text[i] as string;
    if (PUNCT1.has(ch)) {
      i++;
      push('punct', start, ch);
      if (ch === ';') refuseSecondStatement(text, i, line, lineStart);
      continue;
    }
    throw new VqlError('VTG_VQL_SYNTAX_ERROR', unexpectedCharReason(text, i), here(start));
  }
  tokens.push({ kind: 'eof', text: '', value: '', num: Number.NaN, pos: here(i), end: i });
  return tokens;
}

function lexNumber(
  text: string,
  start: number,
  pos: Position,
  emit: (end: number, kind: 'number' | 'duration', num: number) => void,
): void {
  let i = start;
  while (isDigit(text.charCodeAt(i))) i++;
  if (text[i] === '.' && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const numberEnd = i;
  while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
  if (i === numberEnd) {
    emit(i, 'number', Number(text.slice(start, i)));
    return;
  }
  const word = text.slice(start, i);
  const ms = /^[0-9.]+(ms|s|m|h|d|w)$/.test(word) ? parseDuration(word) : undefined;
  if (ms !== undefined) {
    emit(i, 'duration', ms);
    return;
  }
  const reason = /^0[xX]/.test(word)
    ? `Hex literals are not supported: '${word}'`
    : `'${word}' is neither a number nor a duration: durations are a number and one of ms, s, m, h, d, w (e.g. 5m)`;
  throw new VqlError('VTG_VQL_SYNTAX_ERROR', reason, pos);
}

function refuseSecondStatement(text: string, from: number, line: number, lineStart: number): void {
  for (let k = from; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 10) {
      line++;
      lineStart = k + 1;
    } else if (!isSpace(c)) {
      throw new VqlError(
        'VTG_VQL_MULTIPLE_STATEMENTS',
        "Only one statement is allowed: remove what follows ';'",
        { line, column: k - lineStart + 1, offset: k },
      );
    }
  }
}

function unexpectedCharReason(text: string, i: number): string {
  const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
  switch (ch) {
    case '"':
      return "Double quotes are not allowed: write text in single quotes ('...') and unusual tag keys as tags['key']";
    case '`':
      return "Backticks are not allowed: write text in single quotes ('...') and unusual tag keys as tags['key']";
    case '?':
    case ':':
    case '@':
    case '$':
      return `Placeholders are not supported (${describeChar(ch)}): write values in the query; the server binds them as parameters`;
    case '\\':
      return "A backslash is only allowed inside a string; quotes in strings are escaped by doubling them ('')";
    default:
      return `Unexpected character ${describeChar(ch)}`;
  }
}
