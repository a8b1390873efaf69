import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import type { BackupProgress } from '../storage/index.js';

/**
 * `vantage backup` and `vantage restore`: the embedded store, copied online and put back
 * (docs/deployment.md, "Backup and restore"). The distributed store is ClickHouse's to back up.
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
      'Copy the embedded store of a running (or stopped) Vantage to a file, without stopping ingestion',
    )
    .requiredOption('--out <file>', 'File to write the copy to (must not exist)')
    .option(...dataDir())
    .action(async (opts: { out: string; dataDir: string }) => {
      const { backupSqliteStore, embeddedPaths } = await import('../storage/index.js');
      const out = resolve(opts.out);
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
    .description('Put a backup in place as the embedded store of a stopped Vantage')
    .argument('<file>', 'A file written by `vantage backup`')
    .option(...dataDir())
    .option('--force', 'Replace the store the data directory already has')
    .action(async (file: string, opts: { dataDir: string; force?: boolean }) => {
      const { embeddedPaths, restoreSqliteStore } = await import('../storage/index.js');
      const target = embeddedPaths(opts).storeFile;
      if (!existsSync(file)) fail(`no backup at ${file}`);
      if (existsSync(target) && opts.force !== true) {
        fail(`${target} exists; stop Vantage and pass --force to replace it`);
      }
      await withBar('restoring', (p) => restoreSqliteStore(file, target, p));
      console.log(`Restored ${file} to ${target}. Start Vantage with --data-dir ${opts.dataDir}.`);
    });
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
