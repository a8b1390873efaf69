import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/telemetry/index.js';

export interface CapturedLog {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** For tests: a debug-level logger that keeps its lines for assertions. */
export function captureLogger(): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim().length > 0) lines.push(JSON.parse(line) as CapturedLog);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
