import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, VantageError, errorBody, formatMessage } from './errors.js';
import type { ErrorCode } from './errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\|\s*`(VTG_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1] as string, Number(m[2])]),
);

describe('the error catalog', () => {
  it('is documented in docs/errors.md, code for code, with the same statuses', () => {
    const catalog = new Map(Object.entries(ERRORS).map(([code, e]) => [code, e.status as number]));
    expect(documented).toEqual(catalog);
  });

  it('names every code VTG_<AREA>_<REASON> with a 4xx or 5xx status', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^VTG_[A-Z]+_[A-Z_]+$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
    }
  });

  it('fills message templates and leaves unknown placeholders visible', () => {
    expect(formatMessage('VTG_RATE_LIMITED', { limit: 10, retryAfter: 3 })).toBe(
      'Rate limit of 10 requests per minute exceeded; retry after 3 s',
    );
    expect(formatMessage('VTG_RATE_LIMITED', { limit: 10 })).toContain('{retryAfter}');
  });

  it('keeps the subclass name and prototype, the status and the cause', () => {
    class SpecialError extends VantageError {}
    const cause = new Error('disk full');
    const err = new SpecialError('VTG_INGEST_BUS_UNAVAILABLE', {
      params: { reason: 'disk full' },
      cause,
      retryAfter: 2,
    });
    expect(err).toBeInstanceOf(SpecialError);
    expect(err).toBeInstanceOf(VantageError);
    expect(err.name).toBe('SpecialError');
    expect(err.statusCode).toBe(503);
    expect(err.cause).toBe(cause);
    expect(err.retryAfter).toBe(2);
  });

  it('renders the response body with the field only when there is one', () => {
    const code: ErrorCode = 'VTG_INGEST_NON_FINITE_VALUE';
    expect(errorBody(new VantageError(code, { field: 'metrics[3].value' }))).toEqual({
      error: { code, message: 'The value must be a finite number', field: 'metrics[3].value' },
    });
    expect(errorBody(new VantageError('VTG_SERVER_INTERNAL_ERROR'))).toEqual({
      error: { code: 'VTG_SERVER_INTERNAL_ERROR', message: 'Internal error' },
    });
  });
});
