import { open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { DirectorySync } from './directory-sync.js';

/**
 * The on-disk layout of the embedded log: segment files named by the offset of their first byte
 * (20 digits + .log), records framed as [u32 length][u32 crc32][payload], small metadata files
 * beside them (the log's id, consumer positions).
 */
export const FRAME_HEADER = 8;
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const SEGMENT_SUFFIX = '.log';

export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(checksum(out.subarray(0, 4), payload), 4);
  payload.copy(out, FRAME_HEADER);
  return out;
}

export function checksumMatches(header: Buffer, payload: Buffer): boolean {
  return checksum(header.subarray(0, 4), payload) === header.readUInt32LE(4);
}

/**
 * CRC-32 of the length bytes and the payload. The length is covered (and the CRC seeded with
 * them) so that a run of zeros a crash left at the end of a file never reads as empty records.
 */
function checksum(lengthBytes: Buffer, payload: Buffer): number {
  return crc32(payload, crc32(lengthBytes, 0xffffffff));
}

export function segmentPath(dir: string, base: number): string {
  return join(dir, `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`);
}

/** Base offsets of the segments in `dir`, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  return (await readdir(dir))
    .filter((n) => n.endsWith(SEGMENT_SUFFIX))
    .map((n) => Number(n.slice(0, -SEGMENT_SUFFIX.length)))
    .filter((n) => Number.isSafeInteger(n))
    .sort((a, b) => a - b);
}

/**
 * Writes a small file atomically and durably: the new bytes are synced before the rename (else a
 * power cut can leave the new name on empty data), and the directory after it (else the rename
 * itself can be undone).
 */
export async function writeMeta(dir: string, name: string, text: string, sync: DirectorySync): Promise<void> {
  const path = join(dir, name);
  const fh = await open(`${path}.tmp`, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(`${path}.tmp`, path);
  await sync(dir);
}

export async function readMeta(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}
