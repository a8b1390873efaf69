import { describe, expect, test } from 'vitest';
import { tokenize } from './lexer.js';
import { VqlError } from './vql-error.js';

function kinds(text: string): string[] {
  return tokenize(text).map((t) => `${t.kind}:${t.value}`);
}

function lexError(text: string): VqlError {
  try {
    tokenize(text);
  } catch (err) {
    if (err instanceof VqlError) return err;
    throw err;
  }
  throw new Error(`expected a VqlError for ${text}`);
}

describe('tokenize', () => {
  test('reads identifiers upper-cased, numbers, durations, strings and operators', () => {
    expect(kinds("select Avg(value) >= 1.5 <> 5m 'it''s' tags['a b'] != 90s;")).toEqual([
      'ident:SELECT',
      'ident:AVG',
      'punct:(',
      'ident:VALUE',
      'punct:)',
      'punct:>=',
      'number:1.5',
      'punct:<>',
      'duration:5m',
      "string:it's",
      'ident:TAGS',
      'punct:[',
      'string:a b',
      'punct:]',
      'punct:!=',
      'duration:90s',
      'punct:;',
      'eof:',
    ]);
  });

  test('durations carry milliseconds, numbers their value', () => {
    const [d, n, ms] = tokenize('1h 42 250ms');
    expect(d?.num).toBe(3_600_000);
    expect(n?.num).toBe(42);
    expect(ms?.num).toBe(250);
  });

  test('keeps the text of identifiers as written', () => {
    expect(tokenize('Tags')[0]?.text).toBe('Tags');
  });

  test('gives every token its line, column and offset', () => {
    const tokens = tokenize("SELECT a\n  FROM 'x\ny' z");
    expect(tokens.map((t) => [t.text, t.pos.line, t.pos.column, t.pos.offset])).toEqual([
      ['SELECT', 1, 1, 0],
      ['a', 1, 8, 7],
      ['FROM', 2, 3, 11],
      ["'x\ny'", 2, 8, 16],
      ['z', 3, 4, 22],
      ['', 3, 5, 23],
    ]);
  });

  test('a backslash inside a string is an ordinary character', () => {
    expect(tokenize("'a\\'")[0]?.value).toBe('a\\');
  });

  test.each([
    ['SELECT 1 -- x', 1, 10],
    ['SELECT 1 /* x */', 1, 10],
    ['SELECT 1\n# x', 2, 1],
  ])('refuses the comment in %j', (text, line, column) => {
    const err = lexError(text);
    expect(err.code).toBe('VTG_VQL_COMMENT_NOT_ALLOWED');
    expect([err.line, err.column]).toEqual([line, column]);
  });

  test('allows a trailing semicolon and whitespace, refuses anything after', () => {
    expect(kinds('SELECT ; \n ').slice(-2)).toEqual(['punct:;', 'eof:']);
    const err = lexError('SELECT 1;\n  DROP TABLE x');
    expect(err.code).toBe('VTG_VQL_MULTIPLE_STATEMENTS');
    expect(err.message).toBe("Only one statement is allowed: remove what follows ';' at line 2, column 3");
  });

  test('the statement check comes before the comment after it', () => {
    expect(lexError("SELECT 'x'; DROP TABLE metrics;--").code).toBe('VTG_VQL_MULTIPLE_STATEMENTS');
  });

  test.each([
    ["'abc", 'Unterminated string', 1],
    ['0x41', 'Hex literals are not supported', 1],
    ['5min', 'neither a number nor a duration', 1],
    ['1e5', 'neither a number nor a duration', 1],
    ['a "b"', 'Double quotes are not allowed', 3],
    ['`b`', 'Backticks are not allowed', 1],
    ['x = ?', 'Placeholders are not supported', 5],
    ['x = :name', 'Placeholders are not supported', 5],
    ['\\x', 'A backslash is only allowed inside a string', 1],
    ['a | b', "Unexpected character '|'", 3],
    ['a\u00a0b', 'Unexpected character U+00A0', 2],
    ['é', 'Unexpected character U+00E9', 1],
  ])('refuses %j', (text, reason, column) => {
    const err = lexError(text);
    expect(err.code).toBe('VTG_VQL_SYNTAX_ERROR');
    expect(err.reason).toContain(reason);
    expect(err.column).toBe(column);
  });
});
