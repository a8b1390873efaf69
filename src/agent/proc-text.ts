import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reads a file below the host root (`/` normally; a fixture directory in tests; `/host` when the agent
 * runs in a container with the host's /proc and /sys mounted there).
 */
export function readHostFile(root: string, relative: string): Promise<string> {
  return readFile(join(root, relative), 'utf8');
}

export function listHostDir(root: string, relative: string): Promise<string[]> {
  return readdir(join(root, relative));
}

/** Whitespace-separated fields of one line, without empty strings. */
export function fields(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((f) => f.length > 0);
}

/** A whole non-negative number, or undefined for anything else ("-", "", "1.5", "12abc"). */
export function wholeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/**
 * The increase of a kernel counter between two reads; undefined on the first read and when the counter
 * went backwards (a reboot, a device removed and added again, a 32-bit wrap), where no delta is honest.
 */
export function counterDelta(previous: number | undefined, current: number): number | undefined {
  if (previous === undefined || current < previous) return undefined;
  return current - previous;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
