import { afterEach, describe, expect, it } from 'vitest';
import { VantageError } from '../../core/index.js';
import { QueryThreadPool } from './query-thread-pool.js';
import type { QueryThreadPoolOptions } from './query-thread-pool.js';

/**
 * The pool's mechanics on real worker threads running a scripted thread (fixtures/): what a
 * request does there is up to the test, so that blocking, failing and dying threads are real.
 * SqliteStore's own query threads are tested over a real SQLite file in
 * test/sqlite-query-threads.int.test.ts.
 */
type Request =
  | { kind: 'echo'; value: unknown }
  | { kind: 'block'; ms: number }
  | { kind: 'fail'; message: string; props?: Record<string, unknown> }
  | { kind: 'crash' }
  | { kind: 'exit'; code: number }
  | { kind: 'unclonable' };
type Answer = { value: unknown; threadId: number };

const SCRIPT = new URL('./fixtures/scripted-query-thread.mjs', import.meta.url);
const pools: QueryThreadPool<Request, Answer>[] = [];

function pool(options: Partial<QueryThreadPoolOptions> = {}): QueryThreadPool<Request, Answer> {
  const p = new QueryThreadPool<Request, Answer>({ script: SCRIPT, threads: 2, maxQueued: 10, ...options });
  pools.push(p);
  return p;
}

afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<VantageError & { code: string }> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err as VantageError & { code: string },
  );
}

describe('QueryThreadPool', () => {
  it('runs requests on its threads at the same time and answers each with its own answer', async () => {
    const p = pool({ threads: 2 });
    const slow = [p.run({ kind: 'block', ms: 300 }), p.run({ kind: 'block', ms: 300 })];
    const third = p.run({ kind: 'echo', value: 'third' });
    expect(p.usage).toEqual({ threads: 2, busy: 2, queued: 1 });
    const answers = await Promise.all(slow);
    expect(new Set(answers.map((a) => a.threadId)).size).toBe(2);
    expect((await third).value).toBe('third');
    expect(p.usage).toEqual({ threads: 2, busy: 0, queued: 0 });
  });

  it('refuses a request with VTG_QUERY_OVERLOADED (503, Retry-After) when the queue is full', async () => {
    const p = pool({ threads: 1, maxQueued: 1 });
    const running = p.run({ kind: 'block', ms: 200 });
    const queued = p.run({ kind: 'echo', value: 'queued' });
    const err = await rejection(p.run({ kind: 'echo', value: 'refused' }));
    expect(err).toBeInstanceOf(VantageError);
    expect(err.code).toBe('VTG_QUERY_OVERLOADED');
    expect(err.statusCode).toBe(503);
    expect(err.retryAfter).toBe(1);
    expect(err.message).toContain('1 queries are waiting');
    expect((await running).value).toBe(200);
    expect((await queued).value).toBe('queued');
  });

  it('hands back errors thrown in the thread: catalog codes as VantageError, others with their code', async () => {
    const p = pool({ threads: 1 });
    const coded = await rejection(
      p.run({
        kind: 'fail',
        message: 'step must be whole minutes',
        props: { code: 'VTG_QUERY_INVALID_PARAMETER', field: 'step' },
      }),
    );
    expect(coded).toBeInstanceOf(VantageError);
    expect(coded).toMatchObject({
      code: 'VTG_QUERY_INVALID_PARAMETER',
      statusCode: 400,
      field: 'step',
      message: 'step must be whole minutes',
    });
    const driver = await rejection(
      p.run({ kind: 'fail', message: 'database is locked', props: { code: 'SQLITE_BUSY' } }),
    );
    expect(driver).not.toBeInstanceOf(VantageError);
    expect(driver).toMatchObject({ code: 'SQLITE_BUSY', message: 'database is locked' });
    const unclonable = await rejection(p.run({ kind: 'unclonable' }));
    expect(unclonable.name).toBe('DataCloneError');
    // The thread survived all three.
    expect((await p.run({ kind: 'echo', value: 1 })).value).toBe(1);
    expect(p.usage.threads).toBe(1);
  });

  it('refuses a request it cannot send (not plain data) and stays usable', async () => {
    const p = pool({ threads: 1 });
    const err = await rejection(p.run({ kind: 'echo', value: () => 1 }));
    expect(err.name).toBe('DataCloneError');
    expect((await p.run({ kind: 'echo', value: 2 })).value).toBe(2);
  });

  it.each([
    ['an uncaught error', { kind: 'crash' } as const, 'out of cheese'],
    ['an exit', { kind: 'exit', code: 7 } as const, 'it exited with code 7'],
  ])(
    'fails the query of a thread that dies of %s with VTG_QUERY_THREAD_FAILED, and replaces it',
    async (_what, request, reason) => {
      const p = pool({ threads: 1 });
      const before = (await p.run({ kind: 'echo', value: 0 })).threadId;
      const dying = p.run(request);
      const queued = p.run({ kind: 'echo', value: 'after' });
      const err = await rejection(dying);
      expect(err).toBeInstanceOf(VantageError);
      expect(err.code).toBe('VTG_QUERY_THREAD_FAILED');
      expect(err.statusCode).toBe(500);
      expect(err.message).toContain(reason);
      // The request queued behind it runs on the thread that replaced the dead one.
      const after = await queued;
      expect(after.value).toBe('after');
      expect(after.threadId).not.toBe(before);
      expect(p.usage.threads).toBe(1);
    },
  );

  it('fails queries, without hanging, while its threads cannot start, and still closes', async () => {
    const p = pool({ threads: 1, workerData: { failAtStart: true } });
    const first = await rejection(p.run({ kind: 'echo', value: 1 }));
    expect(first.code).toBe('VTG_QUERY_THREAD_FAILED');
    expect(first.message).toContain('cannot open the database');
    // Waits out the pause before the next try, then fails the same way.
    const second = await rejection(p.run({ kind: 'echo', value: 2 }));
    expect(second.code).toBe('VTG_QUERY_THREAD_FAILED');
    await p.close();
    expect(p.usage.threads).toBe(0);
  });

  it('on close, lets running queries finish, refuses queued and new ones, and ends its threads', async () => {
    const p = pool({ threads: 1 });
    const running = p.run({ kind: 'block', ms: 200 });
    const queued = p.run({ kind: 'echo', value: 'queued' });
    const closed = p.close();
    const refusedQueued = await rejection(queued);
    expect(refusedQueued.code).toBe('VTG_SERVICE_UNAVAILABLE');
    expect(refusedQueued.message).toContain('the store is closing');
    const refusedNew = await rejection(p.run({ kind: 'echo', value: 'late' }));
    expect(refusedNew.code).toBe('VTG_SERVICE_UNAVAILABLE');
    expect((await running).value).toBe(200);
    await closed;
    expect(p.usage).toEqual({ threads: 0, busy: 0, queued: 0 });
  });

  it('on close, stops a query still running after closeTimeoutMs, failing it', async () => {
    const p = pool({ threads: 1, closeTimeoutMs: 100 });
    const stuck = p.run({ kind: 'block', ms: 30_000 });
    await p.close();
    const err = await rejection(stuck);
    expect(err.code).toBe('VTG_QUERY_THREAD_FAILED');
    expect(err.message).toContain('still running 100 ms after the store began to close');
  });

  it('fails a query that runs past the deadline with VTG_QUERY_TIMEOUT (504), and replaces its thread', async () => {
    // 2 s rather than less: the deadline also covers the replacement thread's start, which a
    // loaded CI machine can stretch past a few hundred milliseconds.
    const p = pool({ threads: 1, queryTimeoutMs: 2_000 });
    const before = (await p.run({ kind: 'echo', value: 0 })).threadId;
    const stuck = p.run({ kind: 'block', ms: 30_000 });
    const queued = p.run({ kind: 'echo', value: 'after' });
    const err = await rejection(stuck);
    expect(err).toBeInstanceOf(VantageError);
    expect(err.code).toBe('VTG_QUERY_TIMEOUT');
    expect(err.statusCode).toBe(504);
    expect(err.message).toContain('within 2 s');
    const after = await queued;
    expect(after.value).toBe('after');
    expect(after.threadId).not.toBe(before);
    // A query within the deadline is untouched.
    expect((await p.run({ kind: 'block', ms: 20 })).value).toBe(20);
    expect(p.usage.threads).toBe(1);
  });

  it('refuses a script that is not there, naming it', () => {
    expect(() => pool({ script: new URL('./fixtures/no-such-thread.js', import.meta.url) })).toThrow(
      /no-such-thread\.js is missing/,
    );
  });
});

describe('QueryThreadPool lanes', () => {
  /** Runs a request and notes its name when it is answered. */
  const noting =
    (done: string[]) =>
    (name: string, promise: Promise<Answer>): Promise<void> =>
      promise.then(() => {
        done.push(name);
      });

  it('answers a light request queued behind heavy ones before them', async () => {
    const p = pool({ threads: 1, maxQueued: 10 });
    const done: string[] = [];
    const note = noting(done);
    const all = [
      note('heavy-1', p.run({ kind: 'block', ms: 150 }, 'heavy')),
      note('heavy-2', p.run({ kind: 'block', ms: 50 }, 'heavy')),
      note('heavy-3', p.run({ kind: 'block', ms: 50 }, 'heavy')),
      note('light', p.run({ kind: 'echo', value: 'services' }, 'light')),
    ];
    await Promise.all(all);
    expect(done).toEqual(['heavy-1', 'light', 'heavy-2', 'heavy-3']);
  });

  it('keeps its reserved thread for light requests: heavy ones wait, a light one runs at once', async () => {
    const p = pool({ threads: 1, reservedThreads: 1, maxQueued: 10 });
    const heavy = [p.run({ kind: 'block', ms: 200 }, 'heavy'), p.run({ kind: 'block', ms: 50 }, 'heavy')];
    // One thread runs the first heavy request; the second waits although the reserved thread is idle.
    expect(p.usage).toEqual({ threads: 2, busy: 1, queued: 1 });
    const light = p.run({ kind: 'echo', value: 'services' }, 'light');
    // The light request went straight to the reserved thread; the second heavy one still waits.
    expect(p.usage).toEqual({ threads: 2, busy: 2, queued: 1 });
    const [first, second] = await Promise.all(heavy);
    expect((await light).threadId).not.toBe(first?.threadId);
    // Heavy requests ran one after the other on the one thread they may use.
    expect(second?.threadId).toBe(first?.threadId);
  });
});
