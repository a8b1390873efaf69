import { describe, expect, test } from 'vitest';
import { VqlError, prepareVql, type VqlErrorCode } from '../../query/index.js';
import { compileSqlite } from './sqlite-compiler.js';

/** The classic SQL injection forms, each refused with a code and the position of the offending token. */
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

function refusal(text: string): VqlError {
  try {
    compileSqlite(prepareVql(text, { now: NOW }));
  } catch (err) {
    if (err instanceof VqlError) return err;
    throw err;
  }
  throw new Error(`expected a VqlError for ${text}`);
}

const Q = 'SELECT count(*) FROM metrics';

describe('VQL security', () => {
  test("the seed's blocked example names the second statement", () => {
    const err = refusal("SELECT * FROM metrics WHERE service_name = 'test'; DROP TABLE metrics;--");
    expect(err).toBeInstanceOf(VqlError);
    expect(err.code).toBe('VTG_VQL_MULTIPLE_STATEMENTS');
    expect(err.message).toBe("Only one statement is allowed: remove what follows ';' at line 1, column 52");
    expect(err.statusCode).toBe(400);
    expect(err.field).toBe('vql');
  });

  const cases: [string, string, VqlErrorCode, number, number][] = [
    ['stacked query', `${Q}; DELETE FROM metric`, 'VTG_VQL_MULTIPLE_STATEMENTS', 1, 31],
    ['second semicolon', `${Q};;`, 'VTG_VQL_MULTIPLE_STATEMENTS', 1, 30],
    ['UNION SELECT', `${Q} UNION SELECT name FROM sqlite_master`, 'VTG_VQL_SYNTAX_ERROR', 1, 30],
    ['tautology', `${Q} WHERE service_name = 'test' OR '1'='1'`, 'VTG_VQL_INVALID_CONDITION', 1, 61],
    ['numeric tautology', `${Q} WHERE service_name = 'a' OR 1=1`, 'VTG_VQL_INVALID_CONDITION', 1, 58],
    ['quote breaking', `${Q} WHERE service_name = 'test'' OR 1=1`, 'VTG_VQL_SYNTAX_ERROR', 1, 51],
    ['backslash escape', `${Q} WHERE service_name = 'a\\' OR 1=1 --'`, 'VTG_VQL_COMMENT_NOT_ALLOWED', 1, 63],
    [
      'line comment',
      `${Q} WHERE service_name = 'a' -- AND metric_name = 'b'`,
      'VTG_VQL_COMMENT_NOT_ALLOWED',
      1,
      55,
    ],
    ['block comment', `${Q} /* hidden */ WHERE type = 'gauge'`, 'VTG_VQL_COMMENT_NOT_ALLOWED', 1, 30],
    ['MySQL comment', `${Q} # rest`, 'VTG_VQL_COMMENT_NOT_ALLOWED', 1, 30],
    ['hex literal', `${Q} WHERE service_name = 0x61646d696e`, 'VTG_VQL_SYNTAX_ERROR', 1, 51],
    ['blob literal', `${Q} WHERE service_name = X'61'`, 'VTG_VQL_SYNTAX_ERROR', 1, 52],
    ['char() trick', `${Q} WHERE service_name = char(97, 98)`, 'VTG_VQL_UNKNOWN_FUNCTION', 1, 51],
    ['string concatenation', `${Q} WHERE service_name = 'a' || 'b'`, 'VTG_VQL_SYNTAX_ERROR', 1, 55],
    [
      'subquery in IN',
      `${Q} WHERE service_name IN (SELECT service FROM metric)`,
      'VTG_VQL_SYNTAX_ERROR',
      1,
      53,
    ],
    ['subquery in FROM', 'SELECT count(*) FROM (SELECT * FROM metric)', 'VTG_VQL_SYNTAX_ERROR', 1, 22],
    ['load_extension', "SELECT load_extension('/tmp/x.so') FROM metrics", 'VTG_VQL_UNKNOWN_FUNCTION', 1, 8],
    [
      'nested unknown function',
      `${Q} WHERE timestamp > now() - randomblob(8)`,
      'VTG_VQL_UNKNOWN_FUNCTION',
      1,
      56,
    ],
    ['sqlite_master', 'SELECT count(*) FROM sqlite_master', 'VTG_VQL_UNKNOWN_TABLE', 1, 22],
    ['the real table', 'SELECT count(*) FROM agg_1m', 'VTG_VQL_UNKNOWN_TABLE', 1, 22],
    ['system.tables', 'SELECT count(*) FROM system.tables', 'VTG_VQL_UNKNOWN_TABLE', 1, 22],
    ['ATTACH', "ATTACH DATABASE '/tmp/x' AS x", 'VTG_VQL_SYNTAX_ERROR', 1, 1],
    ['PRAGMA', 'PRAGMA writable_schema = 1', 'VTG_VQL_SYNTAX_ERROR', 1, 1],
    ['quoted identifier', 'SELECT count(*) FROM "metrics"', 'VTG_VQL_SYNTAX_ERROR', 1, 22],
    ['bind placeholder', `${Q} WHERE service_name = ?`, 'VTG_VQL_SYNTAX_ERROR', 1, 51],
    ['NUL byte', `${Q} WHERE service_name = 'a'\u0000`, 'VTG_VQL_SYNTAX_ERROR', 1, 54],
    ['LIMIT above the cap', `${Q} LIMIT 100000`, 'VTG_VQL_INVALID_LIMIT', 1, 36],
    ['SELECT *', 'SELECT * FROM metrics', 'VTG_VQL_SELECT_STAR', 1, 8],
    [
      'multi-line stacked query',
      `${Q}\nWHERE type = 'gauge';\n\n  DROP TABLE metric`,
      'VTG_VQL_MULTIPLE_STATEMENTS',
      4,
      3,
    ],
  ];

  test.each(cases)('refuses %s', (_name, text, code, line, column) => {
    const err = refusal(text);
    expect(err.code).toBe(code);
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message).toContain(`at line ${line}, column ${column}`);
  });

  test('refuses more than ten WHERE conditions, counting inside OR and NOT', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `service_name = 's${i}'`);
    const err = refusal(
      `${Q} WHERE NOT (${eleven.slice(0, 6).join(' OR ')}) AND ${eleven.slice(6).join(' AND ')}`,
    );
    expect(err.code).toBe('VTG_VQL_TOO_COMPLEX');
    expect(err.reason).toBe('WHERE holds at most 10 conditions; this is condition 11');
  });

  test('what looks like SQL inside a string stays a value, bound as a parameter', () => {
    const evil = "x'); DROP TABLE metric; --";
    const { sql, params } = compileSqlite(
      prepareVql(`${Q} WHERE service_name = '${evil.replace(/'/g, "''")}' AND tags['k''; --'] = 'v'`, {
        now: NOW,
      }),
    );
    expect(params).toContain(evil);
    expect(params).toContain('$."k\'; --"');
    expect(sql).not.toMatch(/DROP|--|'/);
  });
});
