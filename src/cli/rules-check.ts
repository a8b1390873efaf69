import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { formatProblem, loadRulesDirectory, parseRulesFile } from '../alerting/index.js';
import type { LocatedProblem, RulesDocument } from '../alerting/index.js';

/**
 * `vantage rules check PATH...`: the checks the ruler runs on a rules directory or file, offline,
 * for CI (as `promtool check rules`). Prints each problem as `file:line: field: reason` and
 * returns the exit code: 0 when every file passes, 1 otherwise.
 */
export async function runRulesCheck(
  paths: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const problems: LocatedProblem[] = [];
  const accepted: RulesDocument[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (e) {
      problems.push({ file: path, field: '', reason: `unreadable: ${(e as Error).message}` });
      continue;
    }
    if (isDir) {
      const load = await loadRulesDirectory(path, Date.now());
      problems.push(...load.problems.map((p) => ({ ...p, file: `${path}/${p.file}` })));
      accepted.push(...load.files.values());
    } else {
      const result = parseRulesFile(basename(path), await readFile(path, 'utf8'), Date.now());
      if (result.ok) accepted.push(result.document);
      else problems.push(...result.problems.map((p) => ({ ...p, file: path })));
    }
  }
  for (const p of problems) err(formatProblem(p));
  const groups = accepted.flatMap((d) => d.groups);
  const rules = groups.reduce((n, g) => n + g.rules.length, 0);
  out(
    `${accepted.length} file(s) passed: ${groups.length} group(s), ${rules} rule(s)` +
      (problems.length > 0 ? `; ${problems.length} problem(s) found` : ''),
  );
  return problems.length > 0 ? 1 : 0;
}
