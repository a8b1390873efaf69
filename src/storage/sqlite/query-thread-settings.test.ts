import { describe, expect, it } from 'vitest';
import { ConfigError, ROLE_SETTINGS, parseConfig } from '../../config/index.js';

function problems(raw: Parameters<typeof parseConfig>[0]): readonly string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('the query thread settings', () => {
  it('default to two threads and a queue of 256; 0 threads reads on the main thread', () => {
    const c = parseConfig({});
    expect([c.queryThreads, c.queryQueueMax]).toEqual([2, 256]);
    const inline = parseConfig({ queryThreads: '0', queryQueueMax: '0' });
    expect([inline.queryThreads, inline.queryQueueMax]).toEqual([0, 0]);
  });

  it('name the setting at fault', () => {
    expect(problems({ queryThreads: '-1', queryQueueMax: 'many' })).toEqual([
      '--query-threads / VANTAGE_QUERY_THREADS = "-1": must be a whole number',
      '--query-queue-max / VANTAGE_QUERY_QUEUE_MAX = "many": must be a whole number',
    ]);
    expect(problems({ queryThreads: '65' })[0]).toMatch(/^--query-threads .* = "65": /);
  });

  it('belong to vantage start alone: the distributed roles read ClickHouse', () => {
    expect(Object.keys(ROLE_SETTINGS)).not.toContain('queryThreads');
    expect(Object.keys(ROLE_SETTINGS)).not.toContain('queryQueueMax');
  });
});
