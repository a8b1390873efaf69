import { describe, expect, it } from 'vitest';
import { ClickHouseError } from '@clickhouse/client';
import { ClickHouseStoreError, isRecordError } from './clickhouse-store.js';

/** What the driver throws, wrapped as the store wraps it. */
function refused(type: string, code: string): ClickHouseStoreError {
  const cause = new ClickHouseError({ message: `${type} (${code})`, code, type });
  return new ClickHouseStoreError('ClickHouse write failed', { cause });
}

describe('ClickHouse insert failures', () => {
  it('blame the rows when ClickHouse cannot take their values, whatever the retries', () => {
    for (const [type, code] of [
      ['CANNOT_PARSE_INPUT_ASSERTION_FAILED', '27'],
      ['CANNOT_PARSE_DATETIME', '41'],
      ['TYPE_MISMATCH', '53'],
      ['INCORRECT_DATA', '117'],
      ['TOO_LARGE_STRING_SIZE', '131'],
    ])
      expect(isRecordError(refused(type as string, code as string)), type).toBe(true);
    // Our row encoder refusing an aggregate.
    expect(
      isRecordError(new ClickHouseStoreError('x', { cause: new RangeError('Invalid time value') })),
    ).toBe(true);
  });

  it('blame the server or the network otherwise, and are retried', () => {
    for (const [type, code] of [
      ['TIMEOUT_EXCEEDED', '159'],
      ['MEMORY_LIMIT_EXCEEDED', '241'],
      ['TOO_MANY_PARTS', '252'],
      ['TABLE_IS_READ_ONLY', '242'],
      ['UNKNOWN_TABLE', '60'],
    ])
      expect(isRecordError(refused(type as string, code as string)), type).toBe(false);
    const network = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    expect(isRecordError(new ClickHouseStoreError('x', { cause: network }))).toBe(false);
  });
});
