import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_SETTINGS, DISTRIBUTED_SETTINGS, SETTINGS } from './settings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const section = (heading: string): string[] => readme.split(heading)[1]?.split('\n## ')[0]?.split('\n') ?? [];

describe("the README's configuration tables", () => {
  it.each([
    ['## Configuration', SETTINGS],
    ['## The host agent', AGENT_SETTINGS],
    ['## Distributed mode', DISTRIBUTED_SETTINGS],
  ] as const)('under %s list every setting with its flag, variable and default', (heading, table) => {
    for (const spec of Object.values(table)) {
      const row = section(heading).find((line) => line.startsWith(`| \`${spec.flag}\``));
      expect(row, spec.flag).toBeDefined();
      expect(row).toContain(`\`${spec.env}\``);
      const computed: Record<string, string> = {
        '--service': 'host:<hostname>',
        '--instance-id': '<hostname>-<pid>',
      };
      const shown = computed[spec.flag] ?? spec.default;
      if (shown !== undefined && shown !== '') expect(row).toContain(`\`${shown}\``);
    }
  });

  it('lists no setting that does not exist', () => {
    const flags = new Set<string>(
      [
        ...Object.values(SETTINGS),
        ...Object.values(AGENT_SETTINGS),
        ...Object.values(DISTRIBUTED_SETTINGS),
      ].map((s) => s.flag),
    );
    const listed = [...readme.matchAll(/^\|\s*`(--[a-z-]+)`/gm)].map((m) => m[1]);
    expect(listed.filter((f) => !flags.has(f as string))).toEqual([]);
  });
});
