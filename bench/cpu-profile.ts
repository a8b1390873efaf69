import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The part of a V8 .cpuprofile (what `node --cpu-prof` writes) that self time needs. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ThreadProfile {
  /** `main` or `thread <id>` (Node's threadId: the worker, the query threads). */
  readonly thread: string;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly top: readonly { readonly fn: string; readonly where: string; readonly selfMs: number }[];
}

const IDLE = new Set(['(idle)']);

/**
 * Self time per function of every profile in `dir`, one entry per thread, busiest first.
 * Functions are keyed by name, file and line, so that V8's several nodes of one function (one
 * per call path) add up.
 */
export function summarizeCpuProfiles(dir: string, topN: number): ThreadProfile[] {
  const out: ThreadProfile[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    // CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile
    const threadId = file.split('.')[4] ?? '?';
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const keyOf = new Map<number, string>();
    const frames = new Map<string, { fn: string; where: string }>();
    for (const n of profile.nodes) {
      const { functionName, url, lineNumber } = n.callFrame;
      const where = url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`;
      const key = `${functionName}\u0000${where}`;
      keyOf.set(n.id, key);
      frames.set(key, { fn: functionName === '' ? '(anonymous)' : functionName, where });
    }
    const self = new Map<string, number>();
    let idle = 0;
    let busy = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      const key = keyOf.get(profile.samples[i] as number) ?? '?';
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      if (IDLE.has(frames.get(key)?.fn ?? '')) idle += ms;
      else {
        busy += ms;
        self.set(key, (self.get(key) ?? 0) + ms);
      }
    }
    const top = [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([key, selfMs]) => ({ ...(frames.get(key) ?? { fn: key, where: '' }), selfMs }));
    out.push({ thread: threadId === '0' ? 'main' : `thread ${threadId}`, busyMs: busy, idleMs: idle, top });
  }
  return out.sort((a, b) => b.busyMs - a.busyMs);
}

/** A script's path from the checkout's `dist/` or `node_modules/` on, or Node's own `node:x`. */
function shortUrl(url: string): string {
  for (const marker of ['/dist/', '/node_modules/']) {
    const at = url.lastIndexOf(marker);
    if (at >= 0) return url.slice(at + 1);
  }
  return url.startsWith('node:') ? url : basename(url);
}
