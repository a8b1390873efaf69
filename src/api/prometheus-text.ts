/**
 * A reader of the Prometheus text exposition format (version 0.0.4), enough to read what our own
 * roles expose through prom-client: `name{label="value",...} value [timestamp]` lines, with
 * comments (HELP, TYPE) skipped. prom-client writes this format but does not read it; the format
 * is small and stable, and only our own roles' output has to be read.
 */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Thrown for a line that is not a sample, with its line number. */
export class PromTextError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'PromTextError';
  }
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:]*/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const SPECIAL_VALUES: Readonly<Record<string, number>> = {
  '+Inf': Number.POSITIVE_INFINITY,
  Inf: Number.POSITIVE_INFINITY,
  '-Inf': Number.NEGATIVE_INFINITY,
  NaN: Number.NaN,
};

export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    samples.push(parseSample(line, i + 1));
  }
  return samples;
}

function parseSample(line: string, lineNo: number): PromSample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw new PromTextError('expected a metric name', lineNo);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at = parseLabels(line, at + 1, labels, lineNo);
  }
  const [valueText, timestamp, extra] = line
    .slice(at)
    .trim()
    .split(/[ \t]+/);
  if (valueText === undefined || valueText === '' || extra !== undefined) {
    throw new PromTextError('expected a value and at most a timestamp after the name and labels', lineNo);
  }
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) {
    throw new PromTextError(`"${timestamp}" is not a timestamp`, lineNo);
  }
  const value = SPECIAL_VALUES[valueText] ?? Number(valueText);
  if (Number.isNaN(value) && valueText !== 'NaN') {
    throw new PromTextError(`"${valueText}" is not a number`, lineNo);
  }
  return { name, labels, value };
}

/** Reads `a="x",b="y"}` from `start`; returns the index after the closing brace. */
function parseLabels(line: string, start: number, into: Record<string, string>, lineNo: number): number {
  let at = start;
  for (;;) {
    at = skipBlanks(line, at);
    if (line[at] === '}') return at + 1;
    const name = LABEL_NAME.exec(line.slice(at))?.[0];
    if (name === undefined) throw new PromTextError('expected a label name', lineNo);
    at = skipBlanks(line, at + name.length);
    if (line[at] !== '=') throw new PromTextError(`expected = after label ${name}`, lineNo);
    at = skipBlanks(line, at + 1);
    if (line[at] !== '"') throw new PromTextError(`expected " to open the value of label ${name}`, lineNo);
    let value = '';
    for (at++; ; at++) {
      const c = line[at];
      if (c === undefined) throw new PromTextError(`the value of label ${name} is not closed`, lineNo);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[++at];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += c;
    }
    into[name] = value;
    at = skipBlanks(line, at + 1);
    if (line[at] === ',') at++;
    else if (line[at] !== '}') throw new PromTextError('expected , or } after a label', lineNo);
  }
}

function skipBlanks(line: string, at: number): number {
  while (line[at] === ' ' || line[at] === '\t') at++;
  return at;
}
