/** Durations and points in time as users write them: `90s`, `5m`, `1h`, `-1h`, `now`, RFC 3339, epoch ms. */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** `5m` -> 300000; a bare number is milliseconds. Undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const m = DURATION.exec(trimmed);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] as number));
}

export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** RFC 3339 text to epoch ms; undefined when it is not RFC 3339 or names no real date. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date.parse rolls impossible dates over (February 30th becomes March 1st); refuse them instead.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60)
    return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A point in time for queries: epoch ms, RFC 3339, `now`, `now-1h`, or relative to now (`-1h`, `+5m`).
 * Undefined when it is none of those.
 */
export function parseTimePoint(text: string, now: number): number | undefined {
  const t = text.trim();
  if (t === 'now') return now;
  if (/^\d+$/.test(t)) return Number(t);
  const relative = /^(?:now)?\s*([+-])\s*(.+)$/.exec(t);
  if (relative) {
    const d = parseDuration(relative[2] as string);
    if (d === undefined) return undefined;
    return relative[1] === '-' ? now - d : now + d;
  }
  return parseRfc3339(t);
}
