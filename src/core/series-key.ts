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

/**
 * canonicalTags of a flat label list `[key1, value1, key2, value2, ...]` (how protocols carry
 * tags), without building an object: the same text for the same set. A key given twice keeps its
 * last value, as an object would.
 */
export function canonicalLabels(labels: readonly string[]): string {
  const n = labels.length >> 1;
  if (n === 0) return '{}';
  let order: number[] | undefined;
  for (let i = 1; i < n; i++) {
    if ((labels[2 * i - 2] as string) < (labels[2 * i] as string)) continue;
    order = Array.from({ length: n }, (_, j) => j).sort((a, b) => {
      const ka = labels[2 * a] as string;
      const kb = labels[2 * b] as string;
      return ka < kb ? -1 : ka > kb ? 1 : a - b;
    });
    break;
  }
  let out = '{';
  for (let i = 0; i < n; i++) {
    const j = order === undefined ? i : (order[i] as number);
    const key = labels[2 * j] as string;
    const next = order === undefined ? i + 1 : (order[i + 1] as number);
    // Of equal keys (adjacent once sorted), the last given wins.
    if (i + 1 < n && labels[2 * next] === key) continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(key) + ':' + JSON.stringify(labels[2 * j + 1]);
  }
  return out + '}';
}
