import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import pino from 'pino';
import { RuleSet, RulesDirectory, formatProblem, parseRulesFile } from '../alerting/index.js';
import type { LocatedProblem, RuleGroup } from '../alerting/index.js';

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
  const accepted: (readonly RuleGroup[])[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (e) {
      problems.push({ file: path, field: '', reason: `unreadable: ${(e as Error).message}` });
      continue;
    }
    if (isDir) {
      const dir = await checkDirectory(path);
      problems.push(
        ...dir.problems.map((p) => ({ ...p, file: p.file === path ? p.file : `${path}/${p.file}` })),
      );
      accepted.push(...dir.files);
    } else {
      const result = parseRulesFile(basename(path), await readFile(path, 'utf8'), Date.now());
      if (result.ok) accepted.push(result.document.groups);
      else problems.push(...result.problems.map((p) => ({ ...p, file: path })));
    }
  }
  for (const p of problems) err(formatProblem(p));
  const groups = accepted.flat();
  const rules = groups.reduce((n, g) => n + g.rules.length, 0);
  out(
    `${accepted.length} file(s) passed: ${groups.length} group(s), ${rules} rule(s)` +
      (problems.length > 0 ? `; ${problems.length} problem(s) found` : ''),
  );
  return problems.length > 0 ? 1 : 0;
}

/**
 * A directory as the ruler loads it (RulesDirectory), so that what may not hold across its files
 * (a group or notifier name two files share) is refused here too. No rule limit: it is a setting
 * of the running ruler, not of the files.
 */
async function checkDirectory(
  dir: string,
): Promise<{ files: (readonly RuleGroup[])[]; problems: readonly LocatedProblem[] }> {
  const rules = new RuleSet(Number.POSITIVE_INFINITY);
  const files = new Map<string, readonly RuleGroup[]>();
  const directory = new RulesDirectory({
    dir,
    logger: pino({ level: 'silent' }),
    target: {
      setFileGroups: (file, groups) => {
        rules.setFile(file, groups);
        files.set(file, groups);
      },
      removeFile: (file) => {
        rules.removeFile(file);
        files.delete(file);
      },
    },
  });
  await directory.loadOnce();
  return { files: [...files.values()], problems: directory.problems };
}
