import { mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Makes a directory's entries durable. fsync of a file covers its bytes, not its name: after a
 * power cut a file created or renamed since the directory was last synced can be missing, or the
 * old file can be back, even though its own data was synced. The one place the embedded log asks
 * for a directory sync; a test passes its own to see when the log asks.
 */
export type DirectorySync = (dir: string) => Promise<void>;

/** fsync on the directory itself (Linux and macOS allow it on a read-only descriptor). */
export const syncDirectory: DirectorySync = async (dir) => {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
};

/**
 * `mkdir -p` whose new directories survive a power cut: each parent of a directory it created is
 * synced, from the first created down (VictoriaMetrics' MustSyncPathAndParentDir does the same).
 */
export async function makeDirectory(dir: string, sync: DirectorySync): Promise<void> {
  const target = resolve(dir);
  const created = await mkdir(target, { recursive: true });
  if (created === undefined) return;
  const first = resolve(created);
  const parents: string[] = [];
  for (let d = target; d !== first && d !== dirname(d); d = dirname(d)) parents.unshift(dirname(d));
  await sync(dirname(first));
  for (const parent of parents) await sync(parent);
}
