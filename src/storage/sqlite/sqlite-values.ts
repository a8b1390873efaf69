/**
 * How VQL's text values reach SQLite, as bound parameters: a tag key as a JSON path, a LIKE
 * pattern as the GLOB pattern that matches the same strings.
 */

/** The JSON path of a tag; the validator refuses keys with '"' or '\\', which a path cannot quote. */
export function tagPath(key: string): string {
  return `$."${key}"`;
}

/** A LIKE pattern (`%`, `_`, `\` escapes) as the GLOB pattern that matches the same strings. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length && '%_\\'.includes(pattern[i + 1] as string)) {
      out += globLiteral(pattern[++i] as string);
    } else if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else out += globLiteral(c);
  }
  return out;
}

function globLiteral(c: string): string {
  return c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
}
