/**
 * Label matchers as Alertmanager's silences have them: `=`, `!=`, `=~` and `!~`, a regular
 * expression anchored at both ends (so `api` matches only "api", as in Alertmanager).
 */
export type MatcherOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly op: MatcherOp;
  readonly value: string;
}

export const MATCHER_OPS: readonly MatcherOp[] = ['=', '!=', '=~', '!~'];

/** The anchored expression of a regex matcher, or the reason it is not one. */
export function compileMatcherRegex(value: string): RegExp | string {
  try {
    return new RegExp(`^(?:${value})$`, 'u');
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** A matcher compiled once, so that checking an alert does not build a RegExp. */
export type LabelTest = (labels: Readonly<Record<string, string>>) => boolean;

export function compileMatcher(m: Matcher): LabelTest {
  if (m.op === '=') return (labels) => (labels[m.name] ?? '') === m.value;
  if (m.op === '!=') return (labels) => (labels[m.name] ?? '') !== m.value;
  const regex = compileMatcherRegex(m.value);
  if (typeof regex === 'string') throw new Error(`matcher ${m.name}${m.op}${m.value}: ${regex}`);
  // An absent label reads as "", as in Alertmanager: `env!~"prod"` holds for an alert with no env.
  return m.op === '=~'
    ? (labels) => regex.test(labels[m.name] ?? '')
    : (labels) => !regex.test(labels[m.name] ?? '');
}

/** All must hold. */
export function compileMatchers(matchers: readonly Matcher[]): LabelTest {
  const tests = matchers.map(compileMatcher);
  return (labels) => tests.every((t) => t(labels));
}
