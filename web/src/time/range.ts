/**
 * A view's time range as it sits in the URL: `from` and `to` in the API's own syntax (`-1h`,
 * `now`, RFC 3339), passed to the API unchanged, so a link means what the server means.
 */
export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

export const DEFAULT_RANGE: TimeRange = { from: '-1h', to: 'now' };

export const PRESETS: readonly { label: string; from: string }[] = [
  { label: '15m', from: '-15m' },
  { label: '1h', from: '-1h' },
  { label: '6h', from: '-6h' },
  { label: '24h', from: '-24h' },
  { label: '7d', from: '-7d' },
];

export function rangeFromParams(params: URLSearchParams): TimeRange {
  return { from: params.get('from') ?? DEFAULT_RANGE.from, to: params.get('to') ?? DEFAULT_RANGE.to };
}

/** A range that ends now moves with time: only such a range can be live. */
export function endsNow(range: TimeRange): boolean {
  return range.to === 'now';
}

/** The value of a datetime-local input (local time) for an absolute bound, or '' for a relative one. */
export function toLocalInput(bound: string): string {
  const ms = /^\d{4}-\d\d-\d\dT/.test(bound) ? Date.parse(bound) : /^\d+$/.test(bound) ? Number(bound) : NaN;
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value (local time) as RFC 3339 in UTC, or undefined when incomplete. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : undefined;
}

/** How a range reads in a heading: "last 1h" or "10:00 – 12:00". */
export function describeRange(range: TimeRange): string {
  const relative = /^(?:now)?-(\d+[smhdw])$/.exec(range.from);
  if (endsNow(range)) return relative ? `last ${relative[1]}` : `${range.from} to now`;
  return `${range.from} – ${range.to}`;
}
