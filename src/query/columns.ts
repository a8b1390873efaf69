import type { ColumnRef } from './ast.js';
import { VqlError } from './vql-error.js';

/** The one table VQL reads: a logical view over the stored aggregates. */
export const TABLE_NAME = 'metrics';

export type ColumnMeaning =
  | { readonly kind: 'service' }
  | { readonly kind: 'metric' }
  | { readonly kind: 'type' }
  | { readonly kind: 'tag'; readonly key: string }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'value' };

const COLUMNS: ReadonlyMap<string, ColumnMeaning> = new Map<string, ColumnMeaning>([
  ['service_name', { kind: 'service' }],
  ['metric_name', { kind: 'metric' }],
  ['type', { kind: 'type' }],
  ['timestamp', { kind: 'timestamp' }],
  ['value', { kind: 'value' }],
]);

const SUGGESTIONS: ReadonlyMap<string, string> = new Map([
  ['service', 'service_name'],
  ['name', 'metric_name'],
  ['metric', 'metric_name'],
  ['time', 'timestamp'],
  ['ts', 'timestamp'],
  ['tag', 'tags.<key>'],
  ['now', 'now()'],
]);

export const MAX_TAG_KEY_LENGTH = 128;

/** Whether a lower-cased name is one of the table's columns (or the tags map). */
export function isColumnName(name: string): boolean {
  return name === 'tags' || COLUMNS.has(name);
}

/** The column a reference names; throws for anything outside the whitelist. */
export function resolveColumn(col: ColumnRef): ColumnMeaning {
  if (col.name === 'tags') {
    if (col.tagKey === undefined) {
      throw new VqlError(
        'VTG_VQL_UNKNOWN_COLUMN',
        "tags is a map: name one tag, as tags.route or tags['http.route']",
        col.pos,
      );
    }
    return { kind: 'tag', key: checkTagKey(col) };
  }
  const known = col.tagKey === undefined ? COLUMNS.get(col.name) : undefined;
  if (known !== undefined) return known;
  const shown = col.tagKey === undefined ? col.name : `${col.name}[...]`;
  const suggestion = SUGGESTIONS.get(col.name);
  throw new VqlError(
    'VTG_VQL_UNKNOWN_COLUMN',
    `Unknown column '${shown}'` +
      (suggestion ? `: did you mean ${suggestion}?` : '') +
      ' The columns are service_name, metric_name, type, timestamp, value and tags.<key>',
    col.pos,
  );
}

/** Tag keys reach SQL only as bound parameters, but a JSON path cannot quote '"' or '\\': refuse them. */
function checkTagKey(col: ColumnRef): string {
  const key = col.tagKey ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (key.length === 0 || key.length > MAX_TAG_KEY_LENGTH || /["\\\u0000-\u001f\u007f]/.test(key)) {
    throw new VqlError(
      'VTG_VQL_UNKNOWN_COLUMN',
      `A tag key is 1 to ${MAX_TAG_KEY_LENGTH} characters without quotes, backslashes or control characters`,
      col.pos,
    );
  }
  return key;
}

/** How a column is written back in names and messages. */
export function columnName(meaning: ColumnMeaning): string {
  switch (meaning.kind) {
    case 'service':
      return 'service_name';
    case 'metric':
      return 'metric_name';
    case 'tag':
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(meaning.key)
        ? `tags.${meaning.key}`
        : `tags['${meaning.key.replace(/'/g, "''")}']`;
    default:
      return meaning.kind;
  }
}
