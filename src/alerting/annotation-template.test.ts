import { describe, expect, it } from 'vitest';
import { formatValue, renderTemplate, templateProblem } from './annotation-template.js';

describe('annotation templates', () => {
  it('fills $value and $labels, a missing label as empty', () => {
    expect(
      renderTemplate(
        'p99 {{ $value }} ms on {{$labels.service_name}}{{ $labels.zone }}',
        { service_name: 'api' },
        512.123456789,
      ),
    ).toBe('p99 512.123 ms on api');
  });

  it('writes a no-data value as NaN and large values without noise', () => {
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(0.1 + 0.2)).toBe('0.3');
  });

  it('refuses anything but the two placeholders', () => {
    expect(templateProblem('{{ $value }} {{ $labels.a_b }}')).toBeUndefined();
    expect(templateProblem('{{ .Value }}')).toMatch(/not a placeholder/);
    expect(templateProblem('{{ $labels.a | upper }}')).toMatch(/not a placeholder/);
  });
});
