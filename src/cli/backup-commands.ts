import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import type { BackupProgress } from '../storage/index.js';

/**
 * `vantage backup` and `vantage restore`: an embedded data directory (or its metric store alone),
 * copied online and put back (docs/deployment.md, "Backup and restore"). The distributed store is ClickHouse's to back up.
 * The storage module loads when a command runs, as for every command (src/cli/main.ts).
 */
export function registerBackupCommands(program: Command): void {
  const dataDir = (): [string, string, string] => [
    '--data-dir <dir>',
    'Data directory of the embedded install; env VANTAGE_DATA_DIR',
    process.env.VANTAGE_DATA_DIR ?? './vantage-data',
  ];
  program
    .command('backup')
    .description(
      'Copy a running (or stopped) embedded Vantage without stopping ingestion: --to DIR copies the whole ' +
        'data directory (stores and unconsumed logs), --out FILE the metric store alone',
    )
    .option('--to <dir>', 'Directory to write the backup to (must be missing or empty)')
    .option('--out <file>', 'File to write a copy of the metric store alone to (must not exist)')
    .option(...dataDir())
    .action(async (opts: { to?: string; out?: string; dataDir: string }) => {
      if ((opts.to === undefined) === (opts.out === undefined))
        fail('name one of --to <dir> or --out <file>');
      if (opts.to !== undefined) {
        const { backupDataDir, isEmptyDir } = await import('./data-dir-backup.js');
        const to = resolve(opts.to);
        if (!(await isEmptyDir(to))) fail(`${to} is not empty; name a new directory`);
        if (!existsSync(opts.dataDir)) fail(`no data directory at ${opts.dataDir} (is --data-dir right?)`);
        const manifest = await withBars('backing up', (p) => backupDataDir(opts.dataDir, to, p)).catch(
          (err: Error) => fail(`backup failed: ${err.message} (${to} has no manifest.json: not a backup)`),
        );
        const segments = manifest.logs.reduce((n, l) => n + l.segments.length, 0);
        console.log(
          `Backed up ${opts.dataDir} to ${to}: ${manifest.files.map((f) => f.name).join(', ')} and ` +
            `${segments} log segment(s) from the committed positions on`,
        );
        return;
      }
      const { backupSqliteStore, embeddedPaths } = await import('../storage/index.js');
      const out = resolve(opts.out ?? '');
      if (existsSync(out)) fail(`${out} exists; name a new file`);
      const source = embeddedPaths(opts).storeFile;
      if (!existsSync(source)) fail(`no embedded store at ${source} (is --data-dir right?)`);
      const done = await withBar('backing up', (p) => backupSqliteStore(source, out, p));
      console.log(
        `Backed up ${source} to ${out}: ${done.totalPages} pages` +
          (done.restarts > 0 ? `, restarted ${done.restarts} times by writes` : ''),
      );
    });
  program
    .command('restore')
    .description('Put a backup in place in the data directory of a stopped Vantage')
    .argument('[file]', 'A metric store file written by `vantage backup --out`')
    .option('--from <dir>', 'A directory written by `vantage backup --to`')
    .option(...dataDir())
    .option('--force', 'Replace what the data directory already has')
    .action(async (file: string | undefined, opts: { from?: string; dataDir: string; force?: boolean }) => {
      if ((file === undefined) === (opts.from === undefined))
        fail('name one of --from <dir> or a backup file');
      if (opts.from !== undefined) {
        const { isEmptyDir, readManifest, restoreDataDir } = await import('./data-dir-backup.js');
        const manifest = await readManifest(opts.from).catch((err: Error) => fail(err.message));
        if (!(await isEmptyDir(opts.dataDir)) && opts.force !== true) {
          fail(`${opts.dataDir} is not empty; stop Vantage and pass --force to replace it`);
        }
        await withBars('restoring', (p) => restoreDataDir(manifest, opts.from ?? '', opts.dataDir, p)).catch(
          (err: Error) => fail(`restore failed: ${err.message}`),
        );
        console.log(
          `Restored ${opts.from} (Vantage ${manifest.vantageVersion}, ${manifest.createdAt}) to ${opts.dataDir}. ` +
            `Start Vantage with --data-dir ${opts.dataDir}.`,
        );
        return;
      }
      const backupFile = file ?? '';
      const { embeddedPaths, restoreSqliteStore } = await import('../storage/index.js');
      const target = embeddedPaths(opts).storeFile;
      if (!existsSync(backupFile)) fail(`no backup at ${backupFile}`);
      if (existsSync(target) && opts.force !== true) {
        fail(`${target} exists; stop Vantage and pass --force to replace it`);
      }
      await withBar('restoring', (p) => restoreSqliteStore(backupFile, target, p));
      console.log(`Restored ${backupFile} to ${target}. Start Vantage with --data-dir ${opts.dataDir}.`);
    });
}

/** One bar per SQLite file, started when its copy begins and stopped when the next one's does. */
async function withBars<T>(
  what: string,
  run: (p: (file: string, p: BackupProgress) => void) => Promise<T>,
): Promise<T> {
  let bar: SingleBar | undefined;
  let current: string | undefined;
  try {
    return await run((file, { totalPages, remainingPages }) => {
      if (file !== current) {
        bar?.stop();
        current = file;
        bar = new SingleBar(
          { format: ` ${what} ${file} {bar} {percentage}% | {value}/{total} pages`, hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(totalPages, 0);
      }
      bar?.setTotal(totalPages);
      bar?.update(totalPages - remainingPages);
    });
  } finally {
    bar?.stop();
  }
}

async function withBar<T>(what: string, run: (p: (p: BackupProgress) => void) => Promise<T>): Promise<T> {
  const bar = new SingleBar(
    { format: ` ${what} {bar} {percentage}% | {value}/{total} pages`, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  try {
    return await run(({ totalPages, remainingPages }) => {
      if (!started) bar.start(totalPages, 0);
      started = true;
      bar.setTotal(totalPages);
      bar.update(totalPages - remainingPages);
    });
  } finally {
    if (started) bar.stop();
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
