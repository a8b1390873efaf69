import type { MetricType, Tags } from './sample.js';

/** What names one series: a service's metric with one set of tag values. */
export interface SeriesIdentity {
  readonly service: string;
  readonly name: string;
  readonly type: MetricType;
  readonly tags: Tags;
}

/**
 * The canonical form of tags: keys sorted, as a JSON object text. Equal tag sets give equal text,
 * so it can serve as a key in maps and in a UNIQUE index.
 */
export function canonicalTags(tags: Tags): string {
  const keys = Object.keys(tags);
  if (keys.length === 0) return '{}';
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  // Clients usually send keys in one order; then the engine's own JSON text is already canonical.
  if (sorted) return JSON.stringify(tags);
  keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ',';
    out += JSON.stringify(key) + ':' + JSON.stringify(tags[key]);
  }
  return out + '}';
}

/** A key unique per series. The type is part of it: a gauge and a counter never merge. */
export function seriesKey(service: string, name: string, type: MetricType, tagsText: string): string {
  return `${service}\u0000${name}\u0000${type}\u0000${tagsText}`;
}
