import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from './settings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe("the README's configuration table", () => {
  it('lists every setting with its flag, variable and default', () => {
    for (const spec of Object.values(SETTINGS)) {
      const row = readme.split('\n').find((line) => line.includes(`\`${spec.flag}\``));
      expect(row, spec.flag).toBeDefined();
      expect(row).toContain(`\`${spec.env}\``);
      if (spec.default !== '') expect(row).toContain(`\`${spec.default}\``);
    }
  });

  it('lists no setting that does not exist', () => {
    const flags = new Set<string>(Object.values(SETTINGS).map((s) => s.flag));
    const listed = [...readme.matchAll(/^\|\s*`(--[a-z-]+)`/gm)].map((m) => m[1]);
    expect(listed.filter((f) => !flags.has(f as string))).toEqual([]);
  });
});
