import { existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EMBEDDED_WORKER_GROUP, committedPositionMeta, listSegments, segmentPath } from '../bus/index.js';
import { STORE_TABLES, backupSqliteStore, embeddedPaths, restoreSqliteStore } from '../storage/index.js';
import type { BackupProgress } from '../storage/index.js';
import { alertingStateFile } from '../alerting/index.js';

/**
 * `vantage backup --to DIR` and `vantage restore --from DIR`: every SQLite file of an embedded
 * data directory, copied online, and the part of each embedded log that the stores may not hold
 * yet, so that every acknowledged sample and span is in the copy (docs/deployment.md).
 */

export const MANIFEST = 'manifest.json';
const FORMAT = 'vantage-data-dir-backup/1';
const LOG_ID = 'log.id';

/**
 * The SQLite files of a data directory (named where their modules name them) and the tables each
 * must have to be what it claims.
 */
function sqliteFiles(): readonly { readonly name: string; readonly tables: readonly string[] }[] {
  const paths = embeddedPaths({ dataDir: '' });
  return [
    { name: basename(paths.storeFile), tables: STORE_TABLES },
    { name: basename(paths.traceFile), tables: ['span'] },
    { name: basename(alertingStateFile({ dataDir: '' })), tables: ['active_alert'] },
  ];
}

export interface BackupManifest {
  readonly format: typeof FORMAT;
  readonly vantageVersion: string;
  readonly createdAt: string;
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
  readonly logs: readonly {
    readonly dir: string;
    readonly logId: string;
    /** The consumer's committed position when the backup began: replay starts here. */
    readonly committed: number;
    readonly segments: readonly { readonly name: string; readonly bytes: number }[];
  }[];
}

export type FileProgress = (file: string, p: BackupProgress) => void;

/**
 * Order is what makes the copy whole. Each log's committed position is read first: the consumer
 * writes it only after the store holds what precedes it, so the stores copied afterwards hold at
 * least that. The segments from there on are hard-linked before the stores are copied (the
 * consumer deletes segments it has passed, a link keeps them; segments are append-only, so a link
 * also sees later appends) and again after, for segments started meanwhile. A sample acknowledged
 * before the backup began is thus in a store copy or in the copied log; one the store copy holds
 * as well is replayed on start, which the stores take idempotently, as after any restart.
 */
export async function backupDataDir(
  dataDir: string,
  to: string,
  onProgress: FileProgress,
): Promise<BackupManifest> {
  const paths = embeddedPaths({ dataDir });
  const staging = join(dataDir, `.backup-staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(to, { recursive: true });
  try {
    const logs = [];
    for (const dir of [paths.logDir, paths.spanLogDir]) {
      if (!existsSync(dir)) continue;
      const committed = await committedPosition(dir);
      const logId = (await readFile(join(dir, LOG_ID), 'utf8')).trim();
      const linked = join(staging, basename(dir));
      await mkdir(linked, { recursive: true });
      await linkSegments(dir, linked);
      logs.push({ dir, committed, logId, linked });
    }
    const files = [];
    for (const { name, tables } of sqliteFiles()) {
      const source = join(dataDir, name);
      if (!existsSync(source)) continue;
      await backupSqliteStore(source, join(to, name), (p) => onProgress(name, p), tables);
      files.push({ name, bytes: (await stat(join(to, name))).size });
    }
    const copiedLogs = [];
    for (const log of logs) {
      await linkSegments(log.dir, log.linked);
      const name = basename(log.dir);
      await mkdir(join(to, name));
      const segments = [];
      for (const s of await neededSegments(log.linked, log.committed)) {
        // The active segment may grow while it is copied: the manifest has what was copied.
        await copyFile(join(log.linked, s), join(to, name, s));
        segments.push({ name: s, bytes: (await stat(join(to, name, s))).size });
      }
      await writeFile(join(to, name, LOG_ID), log.logId);
      await writeFile(join(to, name, committedPositionMeta(EMBEDDED_WORKER_GROUP)), String(log.committed));
      copiedLogs.push({ dir: name, logId: log.logId, committed: log.committed, segments });
    }
    const manifest: BackupManifest = {
      format: FORMAT,
      vantageVersion: vantageVersion(),
      createdAt: new Date().toISOString(),
      files,
      logs: copiedLogs,
    };
    // Written last: a directory with a manifest is a finished backup.
    await writeFile(join(to, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Checks a backup directory against its manifest; the reason it is unusable, or the manifest. */
export async function readManifest(from: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(from, MANIFEST), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new Error(`${from} is not a Vantage backup: no readable ${MANIFEST} (${(err as Error).message})`);
  }
  if (manifest.format !== FORMAT)
    throw new Error(`${from} has format ${String(manifest.format)}, not ${FORMAT}`);
  const expected = [
    ...manifest.files.map((f) => ({ path: f.name, bytes: f.bytes })),
    ...manifest.logs.flatMap((l) => l.segments.map((s) => ({ path: join(l.dir, s.name), bytes: s.bytes }))),
  ];
  for (const { path, bytes } of expected) {
    const size = await stat(join(from, path)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== bytes)
      throw new Error(`${join(from, path)}: ${size < 0 ? 'missing' : `${size} bytes`}, expected ${bytes}`);
  }
  return manifest;
}

/** Puts a checked backup in place in the data directory of a stopped Vantage. */
export async function restoreDataDir(
  manifest: BackupManifest,
  from: string,
  dataDir: string,
  onProgress: FileProgress,
): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  for (const { name, tables } of sqliteFiles()) {
    const target = join(dataDir, name);
    if (manifest.files.some((f) => f.name === name)) {
      await restoreSqliteStore(join(from, name), target, (p) => onProgress(name, p), tables);
    } else {
      // A file the backup lacks would otherwise survive from the install being replaced.
      for (const suffix of ['', '-wal', '-shm']) await rm(target + suffix, { force: true });
    }
  }
  const paths = embeddedPaths({ dataDir });
  for (const dir of [paths.logDir, paths.spanLogDir]) await rm(dir, { recursive: true, force: true });
  for (const log of manifest.logs) {
    const dir = join(dataDir, log.dir);
    await mkdir(dir, { recursive: true });
    for (const s of log.segments) await copyFile(join(from, log.dir, s.name), join(dir, s.name));
    await writeFile(join(dir, LOG_ID), log.logId);
    await writeFile(join(dir, committedPositionMeta(EMBEDDED_WORKER_GROUP)), String(log.committed));
  }
}

/** True when `dir` is missing or empty. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [])).length === 0;
}

async function committedPosition(dir: string): Promise<number> {
  const saved = Number(
    (await readFile(join(dir, committedPositionMeta(EMBEDDED_WORKER_GROUP)), 'utf8').catch(() => '')).trim(),
  );
  if (Number.isSafeInteger(saved) && saved >= 0) return saved;
  // Nothing committed yet: the whole log is unconsumed.
  return (await listSegments(dir))[0] ?? 0;
}

async function linkSegments(dir: string, linked: string): Promise<void> {
  const have = new Set(await listSegments(linked));
  for (const base of await listSegments(dir)) {
    if (have.has(base)) continue;
    // A segment the consumer deleted since the listing is caught by neededSegments.
    await link(segmentPath(dir, base), segmentPath(linked, base)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

/**
 * The segments from the one holding `committed` to the end, refused unless they leave no gap: a
 * closed segment ends exactly where the next begins.
 */
async function neededSegments(linked: string, committed: number): Promise<string[]> {
  const all: { base: number; bytes: number }[] = [];
  for (const base of await listSegments(linked))
    all.push({ base, bytes: (await stat(segmentPath(linked, base))).size });
  const needed = all.filter((s, i) => (all[i + 1]?.base ?? Number.POSITIVE_INFINITY) > committed);
  const first = needed[0];
  if (first !== undefined && first.base > committed) {
    throw new Error(
      `the log in ${linked} moved past ${committed} before it could be copied; run the backup again`,
    );
  }
  for (let i = 0; i + 1 < needed.length; i++) {
    const [s, next] = [needed[i], needed[i + 1]] as [(typeof needed)[number], (typeof needed)[number]];
    if (s.base + s.bytes < next.base)
      throw new Error(`a segment of ${linked} went missing during the backup; run it again`);
  }
  return needed.map((s) => basename(segmentPath(linked, s.base)));
}

function vantageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}
