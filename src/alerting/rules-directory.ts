import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { VantageError } from '../core/index.js';
import type { NotifierConfig } from './alert.js';
import type { RuleGroup } from './rule.js';
import { formatProblem, parseRulesFile } from './rules-file.js';
import type { LocatedProblem } from './rules-file.js';

const RULE_FILE = /\.ya?ml$/;

/** What a rules directory holds: each file's groups and notifiers, or its problems. */
export interface RulesDirectoryLoad {
  readonly files: ReadonlyMap<string, RulesFileContent>;
  readonly problems: readonly LocatedProblem[];
}

export interface RulesFileContent {
  readonly groups: readonly RuleGroup[];
  readonly notifiers: readonly NotifierConfig[];
  /** The line of each notifier's `name`. */
  readonly notifierLines: readonly (number | undefined)[];
}

/** Reads and checks every `*.yml` / `*.yaml` of a directory: what `vantage rules check` runs. */
export async function loadRulesDirectory(dir: string, now: number): Promise<RulesDirectoryLoad> {
  const names = (await readdir(dir)).filter((n) => RULE_FILE.test(n)).sort();
  const files = new Map<string, RulesFileContent>();
  const problems: LocatedProblem[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (err) {
      problems.push({ file: name, field: '', reason: `unreadable: ${(err as Error).message}` });
      continue;
    }
    const result = parseRulesFile(name, text, now);
    if (result.ok) files.set(name, { ...result.document, notifierLines: result.notifierLines });
    else problems.push(...result.problems);
  }
  return { files, problems };
}

/** Where a directory's rules go: the ruler (groups) and the notification side (notifiers). */
export interface RulesTarget {
  setFileGroups(file: string, groups: readonly RuleGroup[]): void;
  removeFile(file: string): void;
}

export interface RulesDirectoryOptions {
  readonly dir: string;
  readonly target: RulesTarget;
  readonly logger: Logger;
  /** Called after each load with every notifier the accepted files declare. */
  readonly onNotifiers?: (notifiers: readonly NotifierConfig[]) => void;
  readonly onRefused?: (problems: readonly LocatedProblem[]) => void;
  readonly clock?: () => number;
}

/**
 * The rules directory, kept in force: loaded at start, re-read when a file changes (fs.watch,
 * debounced) and on `reload()` (SIGHUP, wired by the CLI). A file that fails its checks is refused
 * whole and its previous version stays in force; a file that is gone takes its groups with it.
 */
export class RulesDirectory {
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private loading: Promise<void> = Promise.resolve();
  private readonly notifiers = new Map<string, readonly NotifierConfig[]>();
  private loaded = new Set<string>();
  /** Problems of the last load, shown by GET /v1/rules. */
  problems: readonly LocatedProblem[] = [];

  constructor(private readonly options: RulesDirectoryOptions) {}

  /** The first load; a directory that cannot be read stops the start, as a bad setting does. */
  async start(): Promise<void> {
    await this.loadOnce();
    this.watcher = watch(this.options.dir, () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload(), 200);
    });
    this.watcher.on('error', (err) =>
      this.options.logger.error({ err }, 'watching the rules directory failed'),
    );
  }

  stop(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }

  /** Reads the directory again; loads never overlap. */
  reload(): Promise<void> {
    this.loading = this.loading
      .then(() => this.load())
      .catch((err: unknown) => {
        this.options.logger.error(
          { err },
          'the rules directory could not be read; the rules in force keep running',
        );
      });
    return this.loading;
  }

  /**
   * Reads the directory once, with no watching: the start's first load, and `vantage rules check`,
   * which so refuses what the ruler would (a group or notifier name two files share included).
   * Throws when the directory cannot be read.
   */
  loadOnce(): Promise<void> {
    const run = this.loading.then(() => this.load());
    // Later loads wait for this one, not for its success.
    this.loading = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<void> {
    const { logger, target } = this.options;
    const result = await loadRulesDirectory(this.options.dir, (this.options.clock ?? Date.now)());
    const problems = [...result.problems];
    const present = new Set([...result.files.keys(), ...problems.map((p) => p.file)]);
    for (const file of this.loaded)
      if (!present.has(file)) {
        target.removeFile(file);
        this.notifiers.delete(file);
        this.loaded.delete(file);
        logger.info({ file }, 'rules file removed; its groups are no longer evaluated');
      }
    // Which file declares each notifier name. A file refused by its checks keeps its previous
    // notifiers in force; of two files declaring one name, a file in force already keeps it (the
    // new one is refused), else the first by name.
    const declared = new Map<string, string>();
    const declare = (file: string): void => {
      for (const n of this.notifiers.get(file) ?? []) if (!declared.has(n.name)) declared.set(n.name, file);
    };
    for (const p of result.problems) declare(p.file);
    const order = [...result.files].sort(
      ([a], [b]) => Number(!this.loaded.has(a)) - Number(!this.loaded.has(b)) || a.localeCompare(b),
    );
    for (const [file, doc] of order) {
      const clash = doc.notifiers.findIndex((n) => declared.has(n.name));
      if (clash >= 0) {
        const name = doc.notifiers[clash]?.name ?? '';
        const line = doc.notifierLines[clash];
        problems.push({
          file,
          ...(line === undefined ? {} : { line }),
          field: `notifiers[${clash}].name`,
          reason: `notifier ${name} is declared by ${declared.get(name) ?? ''} already`,
        });
        declare(file);
        continue;
      }
      try {
        target.setFileGroups(file, doc.groups);
        this.notifiers.set(file, doc.notifiers);
        this.loaded.add(file);
      } catch (err) {
        if (!(err instanceof VantageError)) throw err;
        problems.push({ file, field: err.field ?? '', reason: err.message });
      }
      declare(file);
    }
    try {
      this.options.onNotifiers?.([...this.notifiers.values()].flat());
    } catch (err) {
      // A name the settings hold already, or past the limit: the notifiers in force stay, and
      // the refusal shows where the files' own refusals do.
      if (!(err instanceof VantageError)) throw err;
      logger.error(
        { code: err.code, err },
        "rules files' notifiers refused; the notifiers in force keep running",
      );
      problems.push({ file: this.options.dir, field: err.field ?? 'notifiers', reason: err.message });
    }
    this.problems = problems;
    if (problems.length > 0) {
      for (const p of problems)
        logger.error({ code: 'VTG_RULES_INVALID', problem: formatProblem(p) }, 'rules file refused');
      this.options.onRefused?.(problems);
    }
    logger.info(
      { files: [...this.loaded], refused: new Set(problems.map((p) => p.file)).size },
      'rules loaded',
    );
  }
}
