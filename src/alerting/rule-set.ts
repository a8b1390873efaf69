import { VantageError } from '../core/index.js';
import type { RuleGroup } from './rule.js';

/**
 * The rule groups in force: those of each file of the rules directory and those put through the
 * API. One place checks what may not hold across them: a group name used twice, and the total
 * number of rules (--alert-max-rules).
 */
export class RuleSet {
  private readonly files = new Map<string, readonly RuleGroup[]>();
  private readonly api = new Map<string, RuleGroup>();

  constructor(private readonly maxRules: number) {}

  all(): RuleGroup[] {
    return [...[...this.files.values()].flat(), ...this.api.values()];
  }

  get(name: string): RuleGroup | undefined {
    return this.all().find((g) => g.name === name);
  }

  ruleCount(source?: 'file' | 'api'): number {
    return this.all()
      .filter((g) => source === undefined || g.source.kind === source)
      .reduce((n, g) => n + g.rules.length, 0);
  }

  /** Replaces a file's groups; throws (changing nothing) when they clash with other groups. */
  setFile(file: string, groups: readonly RuleGroup[]): void {
    const others = this.all().filter((g) => !(g.source.kind === 'file' && g.source.file === file));
    this.check(others, groups);
    this.files.set(file, groups);
  }

  removeFile(file: string): void {
    this.files.delete(file);
  }

  fileNames(): string[] {
    return [...this.files.keys()];
  }

  /** Puts an API group; throws for a name a file holds or past the rule limit. */
  setApi(group: RuleGroup): void {
    const existing = this.get(group.name);
    if (existing?.source.kind === 'file')
      throw new VantageError('VTG_RULES_READ_ONLY', {
        params: { group: group.name, file: existing.source.file },
        field: 'name',
      });
    this.check(
      this.all().filter((g) => g.name !== group.name),
      [group],
    );
    this.api.set(group.name, group);
  }

  removeApi(name: string): void {
    this.api.delete(name);
  }

  private check(others: readonly RuleGroup[], added: readonly RuleGroup[]): void {
    const names = new Map(others.map((g) => [g.name, g]));
    for (const g of added) {
      const clash = names.get(g.name);
      if (clash)
        throw new VantageError('VTG_RULES_INVALID', {
          params: {
            problem: `group ${g.name} is already defined ${clash.source.kind === 'file' ? `in ${clash.source.file}` : 'through the API'}`,
          },
          field: 'name',
        });
    }
    const count = [...others, ...added].reduce((n, g) => n + g.rules.length, 0);
    if (count > this.maxRules)
      throw new VantageError('VTG_RULES_TOO_MANY', { params: { count, limit: this.maxRules } });
  }
}
