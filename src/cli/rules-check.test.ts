import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRulesCheck } from './rules-check.js';

const GOOD = `groups:
  - name: g
    rules:
      - alert: Busy
        vql: SELECT service_name, count(value) FROM metrics GROUP BY service_name
        condition: '> 100'
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-rules-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function check(...paths: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRulesCheck(
    paths,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

describe('vantage rules check', () => {
  it('passes a good directory with 0', async () => {
    writeFileSync(join(dir, 'a.yml'), GOOD);
    writeFileSync(join(dir, 'notes.txt'), 'not a rules file');
    expect(await check(dir)).toEqual({ code: 0, out: ['1 file(s) passed: 1 group(s), 1 rule(s)'], err: [] });
  });

  it('fails with each problem as file:line: field: reason', async () => {
    writeFileSync(join(dir, 'a.yml'), GOOD);
    writeFileSync(
      join(dir, 'b.yaml'),
      GOOD.replace('name: g', 'name: h').replace('count(value)', 'count(value'),
    );
    // Not *.yml: the directory's scan skips it, the path given checks it.
    const file = join(dir, 'c.rules');
    writeFileSync(file, GOOD.replace("'> 100'", 'high'));
    const { code, err, out } = await check(dir, file, join(dir, 'missing.yml'));
    expect(code).toBe(1);
    expect(err[0]).toMatch(new RegExp(`^${dir}/b\\.yaml:5: groups\\[0\\]\\.rules\\[0\\]\\.vql: VTG_VQL_`));
    expect(err[1]).toBe(
      `${dir}/c.rules:6: groups[0].rules[0].condition: an operator (> >= < <= == !=) and a number, such as '> 500'`,
    );
    expect(err[2]).toMatch(/missing\.yml: unreadable/);
    expect(err).toHaveLength(3);
    expect(out).toEqual(['1 file(s) passed: 1 group(s), 1 rule(s); 3 problem(s) found']);
  });

  it('refuses what the ruler would across files: a group or notifier name two files share', async () => {
    const notifier = '\nnotifiers:\n  - name: oncall\n    type: webhook\n    url: http://hooks.example/a\n';
    writeFileSync(join(dir, 'a.yml'), GOOD + notifier);
    writeFileSync(join(dir, 'b.yml'), GOOD.replace('name: g', 'name: h') + notifier);
    writeFileSync(join(dir, 'c.yml'), GOOD);
    const { code, err, out } = await check(dir);
    expect(code).toBe(1);
    expect(err).toEqual([
      `${dir}/b.yml:9: notifiers[0].name: notifier oncall is declared by a.yml already`,
      `${dir}/c.yml: name: The rules are refused: group g is already defined in a.yml`,
    ]);
    expect(out).toEqual(['1 file(s) passed: 1 group(s), 1 rule(s); 2 problem(s) found']);
  });
});
