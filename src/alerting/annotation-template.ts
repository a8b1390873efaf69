/**
 * Annotation templates: `{{ $value }}` and `{{ $labels.name }}`, as in Prometheus rules, and
 * nothing else. A template language with logic would let a rule file run code in the ruler; these
 * two placeholders are what alert texts use.
 */
const PLACEHOLDER = /\{\{\s*(.*?)\s*\}\}/g;
const LABEL_REF = /^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** Why `text` is not a valid template, or undefined when it is. */
export function templateProblem(text: string): string | undefined {
  for (const m of text.matchAll(PLACEHOLDER)) {
    const inner = m[1] ?? '';
    if (inner !== '$value' && !LABEL_REF.test(inner))
      return `{{ ${inner} }} is not a placeholder: use {{ $value }} or {{ $labels.<name> }}`;
  }
  return undefined;
}

/** Fills the placeholders; a label the alert does not carry reads as ''. */
export function renderTemplate(
  text: string,
  labels: Readonly<Record<string, string>>,
  value: number,
): string {
  return text.replace(PLACEHOLDER, (_whole, inner: string) => {
    if (inner === '$value') return formatValue(value);
    const label = LABEL_REF.exec(inner)?.[1];
    return label === undefined ? '' : (labels[label] ?? '');
  });
}

/** Six significant digits: enough to read a threshold, short enough for a chat message. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}
