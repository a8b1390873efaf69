import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { VantageError } from '../core/index.js';
import { checkRulesDocument } from './rules-schema.js';
import type { RulesDocument, RulesProblem } from './rules-schema.js';
import { RULE_LIMITS } from './rules-limits.js';
import type { RuleGroup } from './rule.js';

/** One problem of a rules file, located: what `vantage rules check` prints and the API answers. */
export interface LocatedProblem {
  readonly file: string;
  /** 1-based; absent when the text has no such place (a field that is missing altogether). */
  readonly line?: number;
  /** The field's path, such as `groups[0].rules[2].vql`. */
  readonly field: string;
  readonly reason: string;
}

export type RulesFileResult =
  | {
      readonly ok: true;
      readonly document: RulesDocument;
      /** The line of each notifier's `name`, for a clash with another file found later. */
      readonly notifierLines: readonly (number | undefined)[];
    }
  | { readonly ok: false; readonly problems: readonly LocatedProblem[] };

/**
 * Parses and checks one rules file. YAML errors, schema errors and VQL errors all come back with
 * the file, the line and the field, from the YAML document's node ranges.
 */
export function parseRulesFile(file: string, text: string, now: number): RulesFileResult {
  const yaml = readYaml(file, text);
  if (!yaml.ok) return yaml;
  const { doc, lineCounter } = yaml;
  const { document, problems } = checkRulesDocument(yaml.value, { kind: 'file', file }, now);
  if (document)
    return {
      ok: true,
      document,
      notifierLines: document.notifiers.map((_, i) => {
        const start = nodeAt(doc.contents, ['notifiers', i, 'name'])?.range?.[0];
        return start === undefined ? undefined : lineCounter.linePos(start).line;
      }),
    };
  return { ok: false, problems: locate(file, text, doc.contents, lineCounter, problems) };
}

export type RuleGroupTextResult =
  | { readonly ok: true; readonly group: RuleGroup }
  | { readonly ok: false; readonly problems: readonly LocatedProblem[] };

/**
 * Parses and checks the text (YAML, or JSON) of one rule group as `PUT /v1/rules/{group}` checks
 * its body: the same schema and VQL checks, with each problem's line in this text and its field
 * relative to the group (`rules[0].vql`). For the rule editor's preview.
 */
export function parseRuleGroupText(text: string, now: number): RuleGroupTextResult {
  const file = 'group';
  const yaml = readYaml(file, text);
  if (!yaml.ok) return yaml;
  const { doc, lineCounter } = yaml;
  const { document, problems } = checkRulesDocument({ groups: [yaml.value] }, { kind: 'api' }, now);
  const group = document?.groups[0];
  if (group) return { ok: true, group };
  // The text is one group: drop the document's `groups[0]` from each path.
  const inGroup = problems.map((p) => ({ ...p, path: p.path.slice(2) }));
  return { ok: false, problems: locate(file, text, doc.contents, lineCounter, inGroup) };
}

/** The text as a YAML document and its value, or what stops it being one (too large, not YAML). */
function readYaml(
  file: string,
  text: string,
):
  | {
      readonly ok: true;
      readonly doc: ReturnType<typeof parseDocument>;
      readonly lineCounter: LineCounter;
      readonly value: unknown;
    }
  | { readonly ok: false; readonly problems: LocatedProblem[] } {
  if (Buffer.byteLength(text) > RULE_LIMITS.fileBytes)
    return {
      ok: false,
      problems: [{ file, field: '', reason: `larger than ${RULE_LIMITS.fileBytes} bytes` }],
    };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, problems: yamlProblems(file, doc.errors, lineCounter) };
  return { ok: true, doc, lineCounter, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

function yamlProblems(
  file: string,
  errors: readonly { pos: [number, number]; message: string }[],
  lineCounter: LineCounter,
): LocatedProblem[] {
  return errors.map((e) => ({
    file,
    line: lineCounter.linePos(e.pos[0]).line,
    field: '',
    reason: e.message.split('\n')[0] ?? e.message,
  }));
}

function locate(
  file: string,
  text: string,
  root: unknown,
  lineCounter: LineCounter,
  problems: readonly RulesProblem[],
): LocatedProblem[] {
  return problems.map((p) => {
    const node = nodeAt(root, p.path);
    const start = node?.range?.[0];
    const offset =
      start === undefined || p.textOffset === undefined
        ? start
        : start + sourceOffset(text, node, p.textOffset);
    return {
      file,
      ...(offset === undefined ? {} : { line: lineCounter.linePos(offset).line }),
      field: fieldPath(p.path),
      reason: p.reason,
    };
  });
}

/** The deepest node on `path` that exists: a missing field is reported where its parent is. */
function nodeAt(root: unknown, path: RulesProblem['path']): YamlNode | undefined {
  let node = root as YamlNode | undefined;
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) next = node.get(key, true);
    else if (isSeq(node) && typeof key === 'number') next = node.get(key, true);
    if (next === undefined || next === null) return node;
    node = next as YamlNode;
  }
  return node;
}

/**
 * Where, from the start of a scalar node in the source, the character at `valueOffset` of its value
 * is, to the line: a folded or multi-line scalar joins its source lines with one character (a space
 * or a newline) after taking off their indentation, so the value's characters are counted off line
 * by line. A block scalar's first line is its indicator (`>-`, `|`), holding none of the value.
 */
function sourceOffset(text: string, node: YamlNode | undefined, valueOffset: number): number {
  const range = node?.range;
  if (!range || !isScalar(node)) return 0;
  const source = text.slice(range[0], range[1]);
  const lines = source.split('\n');
  const block = isScalar(node) && (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL');
  let at = block ? (lines.shift()?.length ?? 0) + 1 : 0;
  let remaining = valueOffset;
  for (const line of lines) {
    const content = line.trimStart();
    if (remaining <= content.length) return at + (line.length - content.length) + remaining;
    remaining -= content.length + 1;
    at += line.length + 1;
  }
  return 0;
}

/** `['groups', 0, 'rules', 2, 'vql']` to `groups[0].rules[2].vql`. */
export function fieldPath(path: RulesProblem['path']): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** `file:line: field: reason`, as `vantage rules check` prints it. */
export function formatProblem(p: LocatedProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.field ? `${where}: ${p.field}: ${p.reason}` : `${where}: ${p.reason}`;
}

/** The coded refusal of a rules file or API body: the first problem, with the count of the rest. */
export function rulesInvalidError(problems: readonly LocatedProblem[]): VantageError {
  const first = problems[0] as LocatedProblem;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new VantageError('VTG_RULES_INVALID', {
    params: { problem: formatProblem(first) + more },
    ...(first.field ? { field: first.field } : {}),
  });
}
