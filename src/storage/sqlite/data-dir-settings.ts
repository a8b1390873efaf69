import { join } from 'node:path';
import { pathSchema } from '../../config/setting-spec.js';
import type { SettingSpec } from '../../config/setting-spec.js';

/** Where `vantage start` keeps its data: the embedded bus's log and the SQLite store, side by side. */
export const DATA_DIR_SETTINGS = {
  dataDir: {
    flag: '--data-dir',
    env: 'VANTAGE_DATA_DIR',
    default: './vantage-data',
    schema: pathSchema,
    description: 'Directory for the embedded log and the SQLite store',
  },
} as const satisfies Record<string, SettingSpec>;

/**
 * The SQLite files and the logs' directories inside the data directory: metrics in vantage.db
 * through the log in bus/, spans in traces.db (trace-schema.ts says why a file of its own) through
 * the log in spans-bus/, a log of its own so that each has its own consumer and backlog.
 */
export function embeddedPaths(values: { readonly dataDir: string }): {
  readonly storeFile: string;
  readonly logDir: string;
  readonly traceFile: string;
  readonly spanLogDir: string;
} {
  return {
    storeFile: join(values.dataDir, 'vantage.db'),
    logDir: join(values.dataDir, 'bus'),
    traceFile: join(values.dataDir, 'traces.db'),
    spanLogDir: join(values.dataDir, 'spans-bus'),
  };
}
