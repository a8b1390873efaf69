/**
 * The Prometheus text format (0.0.4) and OpenMetrics 1.0 text, parsed into samples that know their
 * family and its type.
 *
 * Written here rather than taken from npm: the one maintained-looking package
 * (parse-prometheus-text-format 1.1.1) reads 0.0.4 only. It has no `# EOF`, no `_total`/`_created`
 * family suffixes (an OpenMetrics counter comes out as untyped samples), no exemplars, drops
 * timestamps, and folds histogram samples sharing labels into one object, losing what a scrape
 * needs to tell counters from gauges and to honour exposed timestamps.
 */

export type ExpositionFormat = 'text' | 'openmetrics';

/** OpenMetrics' types; 0.0.4's `untyped` reads as `unknown`. */
export type FamilyType =
  'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export type Labels = readonly (readonly [string, string])[];

export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  readonly timestampMs: number | undefined;
}

export interface ExpositionSample {
  /** The sample's own name: `http_requests_total`, `latency_seconds_bucket`. */
  readonly name: string;
  /** The family's name and type (from its `# TYPE` line; `unknown` without one). */
  readonly family: string;
  readonly type: FamilyType;
  /** What the name adds to the family's: '', '_total', '_bucket', '_sum', '_count', '_created', ... */
  readonly suffix: string;
  /** In the order exposed. */
  readonly labels: Labels;
  readonly value: number;
  /** Epoch milliseconds, when the exposition gave one. */
  readonly timestampMs: number | undefined;
  readonly exemplar: Exemplar | undefined;
}

/** An exposition that cannot be read; Prometheus drops such a scrape whole, and so does the agent. */
export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
  }
}

const TYPES: Readonly<Record<string, FamilyType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'unknown',
  untyped: 'unknown',
};

/** The suffixes a family's samples may carry, by type ('' is the family's own name). */
const SUFFIXES: Readonly<Record<FamilyType, readonly string[]>> = {
  // '' for 0.0.4, where a counter's samples carry the family's name (`requests_total` itself).
  counter: ['', '_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
  info: ['_info'],
  stateset: [''],
  unknown: [''],
};
const ALL_SUFFIXES = ['_total', '_created', '_bucket', '_sum', '_count', '_gsum', '_gcount', '_info'];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A sample value: a decimal float, or NaN / ±Inf in the spellings Go's ParseFloat takes. */
export function parseValue(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^\+?inf(inity)?$/.test(lower)) return Infinity;
  if (/^-inf(inity)?$/.test(lower)) return -Infinity;
  return undefined;
}

/** Parses a whole exposition; throws ExpositionError at the first line it cannot read. */
export function parseExposition(text: string, format: ExpositionFormat): ExpositionSample[] {
  const types = new Map<string, FamilyType>();
  const samples: ExpositionSample[] = [];
  const lines = text.split('\n');
  // A final newline leaves one empty string after it.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let sawEof = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] as string).replace(/\r$/, '');
    if (sawEof) throw new ExpositionError(lineNo, 'content after "# EOF"');
    if (line.trim() === '') {
      // OpenMetrics forbids blank lines; 0.0.4 ignores them.
      if (format === 'openmetrics') throw new ExpositionError(lineNo, 'blank line');
      continue;
    }
    if (line.trimStart().startsWith('#')) {
      if (format === 'openmetrics' && line === '# EOF') sawEof = true;
      else readDescriptor(line, lineNo, types);
      continue;
    }
    samples.push(readSample(line, lineNo, format, types));
  }
  if (format === 'openmetrics' && !sawEof)
    throw new ExpositionError(lines.length, 'OpenMetrics exposition does not end with "# EOF"');
  return samples;
}

/** `# TYPE name type` is kept; `# HELP`, `# UNIT` and plain comments are read past. */
function readDescriptor(line: string, lineNo: number, types: Map<string, FamilyType>): void {
  const parts = line.trim().split(/[ \t]+/);
  if (parts[0] !== '#' || parts[1] !== 'TYPE') return;
  const [, , name, typeText, ...rest] = parts;
  if (name === undefined || !METRIC_NAME.test(name) || METRIC_NAME.exec(name)?.[0] !== name)
    throw new ExpositionError(lineNo, `TYPE line without a valid metric name`);
  const type = typeText === undefined ? undefined : TYPES[typeText];
  if (type === undefined || rest.length > 0)
    throw new ExpositionError(lineNo, `unknown type "${typeText ?? ''}" for ${name}`);
  if (types.has(name)) throw new ExpositionError(lineNo, `second TYPE line for ${name}`);
  types.set(name, type);
}

/** Resolves a sample's family: its own name when typed, else the longest typed base + suffix. */
function familyOf(
  name: string,
  types: ReadonlyMap<string, FamilyType>,
): { family: string; type: FamilyType; suffix: string } {
  const own = types.get(name);
  if (own !== undefined && SUFFIXES[own].includes('')) return { family: name, type: own, suffix: '' };
  for (const suffix of ALL_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const family = name.slice(0, -suffix.length);
    const type = types.get(family);
    if (type !== undefined && SUFFIXES[type].includes(suffix)) return { family, type, suffix };
  }
  return { family: name, type: 'unknown', suffix: '' };
}

/** A cursor over one line. */
class LineReader {
  pos = 0;
  constructor(
    readonly text: string,
    readonly lineNo: number,
  ) {}

  fail(message: string): never {
    throw new ExpositionError(this.lineNo, `${message} (at column ${this.pos + 1})`);
  }

  match(pattern: RegExp, what: string): string {
    const m = pattern.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  skipBlanks(): number {
    const start = this.pos;
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
    return this.pos - start;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  /** The next run of characters up to a blank or the end. */
  token(): string {
    const start = this.pos;
    while (this.pos < this.text.length && this.text[this.pos] !== ' ' && this.text[this.pos] !== '\t')
      this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** `{name="value",...}`; the cursor is on the `{`. */
  labels(): Labels {
    const labels: [string, string][] = [];
    const seen = new Set<string>();
    this.pos++;
    this.skipBlanks();
    while (this.peek() !== '}') {
      const name = this.match(LABEL_NAME, 'a label name');
      this.skipBlanks();
      if (this.peek() !== '=') this.fail(`expected "=" after label ${name}`);
      this.pos++;
      this.skipBlanks();
      const value = this.quoted();
      if (seen.has(name)) this.fail(`label ${name} given twice`);
      seen.add(name);
      labels.push([name, value]);
      this.skipBlanks();
      if (this.peek() === ',') {
        this.pos++;
        this.skipBlanks();
      } else if (this.peek() !== '}') this.fail('expected "," or "}" after a label');
    }
    this.pos++;
    return labels;
  }

  /** A double-quoted label value with `\\`, `\"` and `\n` escapes. */
  private quoted(): string {
    if (this.peek() !== '"') this.fail('expected a quoted label value');
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) this.fail('label value not closed');
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = this.text[this.pos++];
      if (next === 'n') out += '\n';
      else if (next === '\\' || next === '"') out += next;
      // Any other escape is kept as written, as Prometheus' own parser does.
      else if (next !== undefined) out += `\\${next}`;
      else this.fail('label value not closed');
    }
  }
}

function readSample(
  line: string,
  lineNo: number,
  format: ExpositionFormat,
  types: ReadonlyMap<string, FamilyType>,
): ExpositionSample {
  const r: LineReader = new LineReader(line, lineNo);
  // Blanks are read leniently in both formats (OpenMetrics asks for exactly one space): a stray
  // tab is no reason to lose a scrape.
  r.skipBlanks();
  const name = r.match(METRIC_NAME, 'a metric name');
  let blanks = r.skipBlanks();
  let labels: Labels = [];
  if (r.peek() === '{') {
    labels = r.labels();
    blanks = r.skipBlanks();
  }
  if (blanks === 0) r.fail('expected a blank before the value');
  const valueText = r.token();
  const value = parseValue(valueText);
  if (value === undefined) r.fail(`"${valueText}" is not a number`);
  let timestampMs: number | undefined;
  let exemplar: Exemplar | undefined;
  r.skipBlanks();
  if (r.peek() !== undefined && r.peek() !== '#') timestampMs = timestamp(r, format);
  r.skipBlanks();
  if (r.peek() === '#') {
    if (format !== 'openmetrics') r.fail('exemplars are OpenMetrics only');
    exemplar = readExemplar(r);
  }
  if (r.peek() !== undefined) r.fail('unexpected text after the sample');
  return { name, ...familyOf(name, types), labels, value, timestampMs, exemplar };
}

/** 0.0.4: whole milliseconds; OpenMetrics: seconds, possibly fractional. */
function timestamp(r: LineReader, format: ExpositionFormat): number {
  const text = r.token();
  if (format === 'text') {
    if (!/^-?\d+$/.test(text)) r.fail(`timestamp "${text}" is not whole milliseconds`);
    return Number(text);
  }
  const seconds = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds)) r.fail(`timestamp "${text}" is not a number of seconds`);
  return Math.round(seconds * 1000);
}

/** ` # {trace_id="..."} value [timestamp]`; the cursor is on the `#`. */
function readExemplar(r: LineReader): Exemplar {
  r.pos++;
  if (r.skipBlanks() === 0 || r.peek() !== '{') r.fail('expected "# {" to open an exemplar');
  const labels = r.labels();
  if (r.skipBlanks() === 0) r.fail('expected a blank before the exemplar value');
  const valueText = r.token();
  const value = parseValue(valueText);
  if (value === undefined) r.fail(`exemplar value "${valueText}" is not a number`);
  r.skipBlanks();
  const timestampMs = r.peek() === undefined ? undefined : timestamp(r, 'openmetrics');
  return { labels, value, timestampMs };
}
