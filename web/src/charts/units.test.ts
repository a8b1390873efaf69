import { describe, expect, it } from 'vitest';
import { formatValue, unitOf } from './units';

describe('chart units', () => {
  it('reads the unit from the metric name and the aggregation', () => {
    expect(unitOf('http_request_duration_ms', 'p99', false)).toBe('ms');
    expect(unitOf('http_request_duration_seconds', 'avg', false)).toBe('s');
    expect(unitOf('process_cpu_percent', 'max', false)).toBe('%');
    expect(unitOf('process_memory_mb', 'avg', false)).toBe('MB');
    expect(unitOf('queue_depth', 'avg', false)).toBe('');
    // A counter's rate is per second, in its own unit when it has one.
    expect(unitOf('http_requests_total', 'rate', true)).toBe('/s');
    expect(unitOf('network_sent_bytes_total', 'rate', true)).toBe('bytes/s');
    expect(unitOf('network_sent_bytes_total', 'sum', true)).toBe('bytes');
    // A gauge's rate counts its samples per second, whatever they measure.
    expect(unitOf('http_request_duration_ms', 'rate', false)).toBe('/s');
    expect(unitOf('http_request_duration_ms', 'count', false)).toBe('');
  });

  it('writes a value with its unit', () => {
    expect(formatValue(250, 'ms')).toBe('250 ms');
    expect(formatValue(1.5, '/s')).toBe('1.5/s');
    expect(formatValue(42.25, '%')).toBe('42.25 %');
    expect(formatValue(1536, 'bytes')).toBe('1.50 KB');
    expect(formatValue(2048, 'bytes/s')).toBe('2.00 KB/s');
    expect(formatValue(12, '')).toBe('12');
    expect(formatValue(null, 'ms')).toBe('—');
  });
});
