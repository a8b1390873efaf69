import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalLabels, canonicalTags } from './series-key.js';

describe('canonicalLabels', () => {
  it('gives the text canonicalTags gives for the same tags, in any order', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,6}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, fc.string()), { selector: ([k]) => k, maxLength: 8 }),
        (pairs) => {
          const labels = pairs.flat();
          expect(canonicalLabels(labels)).toBe(canonicalTags(Object.fromEntries(pairs)));
        },
      ),
    );
  });

  it('keeps the last value of a key given twice, as an object would', () => {
    expect(canonicalLabels(['b', '1', 'a', '2', 'b', '3'])).toBe('{"a":"2","b":"3"}');
    expect(canonicalLabels(['a', '"q"', 'a', 'x'])).toBe('{"a":"x"}');
    expect(canonicalLabels([])).toBe('{}');
  });
});
