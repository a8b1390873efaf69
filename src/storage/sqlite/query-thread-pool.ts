import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { VantageError } from '../../core/index.js';
import { fromThreadError } from './query-thread-protocol.js';
import type { FromQueryThread, ToQueryThread } from './query-thread-protocol.js';

export interface QueryThreadPoolOptions {
  /** The thread's entry module, compiled JavaScript (query-thread-protocol.ts says what it does). */
  readonly script: URL;
  /** Threads started for any query; each runs one query at a time. */
  readonly threads: number;
  /**
   * Threads started beside them for light queries only (listings): a heavy query never holds
   * them, so a listing never waits behind heavy ones. Default 0.
   */
  readonly reservedThreads?: number;
  /** Queries that may wait for a free thread; one more is refused with VTG_QUERY_OVERLOADED. */
  readonly maxQueued: number;
  /** Handed to every thread as its workerData. */
  readonly workerData?: unknown;
  /** How long close() lets running queries finish before it stops their threads. */
  readonly closeTimeoutMs?: number;
  /**
   * The query deadline: a request still running this long after a thread took it fails with
   * VTG_QUERY_TIMEOUT, and its thread is stopped and replaced (a synchronous SQLite query cannot
   * be interrupted from outside any other way). Absent: no deadline.
   */
  readonly queryTimeoutMs?: number;
}

export interface QueryThreadPoolUsage {
  readonly threads: number;
  readonly busy: number;
  readonly queued: number;
}

/**
 * Light queries (listings: an index range, milliseconds) go before heavy ones (bucket and VQL
 * queries: up to --query-timeout) in the queue, and may use the reserved threads.
 */
export type QueryLane = 'light' | 'heavy';

interface Job<Request, Answer> {
  readonly id: number;
  readonly request: Request;
  readonly lane: QueryLane;
  readonly resolve: (answer: Answer) => void;
  readonly reject: (err: Error) => void;
}

interface PoolThread<Request, Answer> {
  readonly worker: Worker;
  job: Job<Request, Answer> | undefined;
  /** Fires when the job runs past the query deadline. */
  deadline: NodeJS.Timeout | undefined;
  /** It opened what it needs: a thread that dies before this is restarted only after a pause. */
  ready: boolean;
  /** Why it is ending, once known: an uncaught error, or close() running out of patience. */
  failure: string | undefined;
}

/** Retried this much later when a new thread dies before it is ready, doubling up to the maximum. */
const RESTART_DELAY_MS = { first: 100, max: 5_000 };

/**
 * Runs requests on a fixed number of worker threads, one request per thread at a time, so that a
 * slow synchronous query (better-sqlite3 blocks the thread it runs on) never stalls the thread
 * that serves HTTP. Requests wait in a bounded queue while every thread is busy, light ones (listings) before
 * heavy ones, and `reservedThreads` threads take only light ones. A thread
 * that dies fails the one request it held with VTG_QUERY_THREAD_FAILED and is replaced; nothing
 * waits forever. A thread keeps the process alive only while it runs a request.
 */
export class QueryThreadPool<Request, Answer> {
  private readonly threads = new Set<PoolThread<Request, Answer>>();
  private readonly idle: PoolThread<Request, Answer>[] = [];
  private readonly queues: Record<QueryLane, Job<Request, Answer>[]> = { light: [], heavy: [] };
  private readonly exits = new Map<PoolThread<Request, Answer>, Promise<void>>();
  private nextId = 1;
  private restartDelayMs = RESTART_DELAY_MS.first;
  private readonly restarts = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: QueryThreadPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1)
      throw new RangeError(`a query thread pool needs at least one thread, not ${options.threads}`);
    const path = fileURLToPath(options.script);
    // From TypeScript sources (vitest) the compiled entry is not there: say so now, not per query.
    if (!existsSync(path))
      throw new Error(`the query thread's script ${path} is missing: build with npm run build`);
    for (let i = 0; i < options.threads + (options.reservedThreads ?? 0); i++) this.start();
  }

  /** Runs `request` on the next free thread its lane may use; light requests pass heavy ones. */
  run(request: Request, lane: QueryLane = 'heavy'): Promise<Answer> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    return new Promise<Answer>((resolve, reject) => {
      const job = { id: this.nextId++, request, lane, resolve, reject };
      const queued = this.queues.light.length + this.queues.heavy.length;
      if (this.idle.length > 0 && this.mayStart(lane))
        this.dispatch(this.idle.pop() as PoolThread<Request, Answer>, job);
      else if (queued >= this.options.maxQueued) {
        reject(
          new VantageError('VTG_QUERY_OVERLOADED', {
            params: { queued, retryAfter: 1 },
            retryAfter: 1,
          }),
        );
      } else this.queues[lane].push(job);
    });
  }

  /** Heavy queries hold at most `threads` threads; the reserved ones stay free for light ones. */
  private mayStart(lane: QueryLane): boolean {
    if (lane === 'light') return true;
    let heavy = 0;
    for (const t of this.threads) if (t.job?.lane === 'heavy') heavy += 1;
    return heavy < this.options.threads;
  }

  get usage(): QueryThreadPoolUsage {
    return {
      threads: this.threads.size,
      busy: [...this.threads].filter((t) => t.job !== undefined).length,
      queued: this.queues.light.length + this.queues.heavy.length,
    };
  }

  /**
   * Refuses new requests and those still queued, lets each thread finish the request it runs
   * (stopping it after closeTimeoutMs), then ends the threads.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const timer of this.restarts) clearTimeout(timer);
      this.restarts.clear();
      for (const job of [...this.queues.light.splice(0), ...this.queues.heavy.splice(0)])
        job.reject(closedError());
      const timeoutMs = this.options.closeTimeoutMs ?? 10_000;
      const overdue = setTimeout(() => {
        for (const t of this.threads) {
          t.failure ??= `still running ${timeoutMs} ms after the store began to close`;
          void t.worker.terminate();
        }
      }, timeoutMs);
      for (const t of this.threads) this.post(t, { type: 'close' });
      await Promise.all(this.exits.values());
      clearTimeout(overdue);
    })());
  }

  private start(): void {
    const worker = new Worker(this.options.script, { workerData: this.options.workerData });
    worker.unref();
    const thread: PoolThread<Request, Answer> = {
      worker,
      job: undefined,
      deadline: undefined,
      ready: false,
      failure: undefined,
    };
    this.threads.add(thread);
    worker.on('message', (m: FromQueryThread<Answer>) => this.onMessage(thread, m));
    worker.on('error', (err) => (thread.failure ??= err.message));
    worker.on('messageerror', (err) => this.settle(thread, (job) => job.reject(err)));
    this.exits.set(
      thread,
      new Promise<void>((resolve) =>
        worker.once('exit', (code) => {
          this.onExit(thread, code);
          resolve();
        }),
      ),
    );
    this.release(thread);
  }

  private onMessage(thread: PoolThread<Request, Answer>, m: FromQueryThread<Answer>): void {
    if (m.type === 'ready') {
      thread.ready = true;
      this.restartDelayMs = RESTART_DELAY_MS.first;
    } else if (m.type === 'answer') {
      this.settle(thread, (job) => job.resolve(m.answer), m.id);
    } else {
      this.settle(thread, (job) => job.reject(fromThreadError(m.error)), m.id);
    }
  }

  /** Hands the thread's job its outcome and the thread the next job. */
  private settle(
    thread: PoolThread<Request, Answer>,
    outcome: (job: Job<Request, Answer>) => void,
    id?: number,
  ): void {
    const job = thread.job;
    if (job === undefined || (id !== undefined && job.id !== id)) return;
    thread.job = undefined;
    clearTimeout(thread.deadline);
    outcome(job);
    this.release(thread);
  }

  /** The job ran past the deadline: it fails now, and its thread is stopped (onExit replaces it). */
  private overrun(thread: PoolThread<Request, Answer>, timeoutMs: number): void {
    const job = thread.job;
    if (job === undefined) return;
    thread.job = undefined;
    thread.failure ??= `a query ran past the ${timeoutMs} ms deadline`;
    job.reject(
      new VantageError('VTG_QUERY_TIMEOUT', { params: { seconds: Math.round(timeoutMs / 100) / 10 } }),
    );
    void thread.worker.terminate();
  }

  private onExit(thread: PoolThread<Request, Answer>, code: number): void {
    this.threads.delete(thread);
    this.exits.delete(thread);
    const at = this.idle.indexOf(thread);
    if (at >= 0) this.idle.splice(at, 1);
    const reason = thread.failure ?? `it exited with code ${code}`;
    clearTimeout(thread.deadline);
    if (thread.job !== undefined) {
      thread.job.reject(new VantageError('VTG_QUERY_THREAD_FAILED', { params: { reason } }));
      thread.job = undefined;
    }
    if (this.closing !== undefined) return;
    // A thread that could not even start would fail the same way at once: wait before the next.
    const delay = thread.ready ? 0 : this.restartDelayMs;
    if (!thread.ready) this.restartDelayMs = Math.min(this.restartDelayMs * 2, RESTART_DELAY_MS.max);
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      this.start();
    }, delay);
    this.restarts.add(timer);
  }

  /**
   * The thread is free: it takes the oldest light job, else the oldest heavy one if heavy jobs
   * may take another thread, or waits (not keeping the process up).
   */
  private release(thread: PoolThread<Request, Answer>): void {
    if (this.closing !== undefined) return;
    const next =
      this.queues.light.shift() ??
      (this.queues.heavy.length > 0 && this.mayStart('heavy') ? this.queues.heavy.shift() : undefined);
    if (next !== undefined) this.dispatch(thread, next);
    else {
      thread.worker.unref();
      this.idle.push(thread);
    }
  }

  private dispatch(thread: PoolThread<Request, Answer>, job: Job<Request, Answer>): void {
    thread.job = job;
    thread.worker.ref();
    const timeoutMs = this.options.queryTimeoutMs;
    if (timeoutMs !== undefined)
      thread.deadline = setTimeout(() => this.overrun(thread, timeoutMs), timeoutMs);
    try {
      this.post(thread, { type: 'run', id: job.id, request: job.request });
    } catch (err) {
      // A request that is not plain data (DataCloneError): the thread never saw it.
      this.settle(thread, (j) => j.reject(err as Error));
    }
  }

  private post(thread: PoolThread<Request, Answer>, message: ToQueryThread<Request>): void {
    thread.worker.postMessage(message);
  }
}

function closedError(): VantageError {
  return new VantageError('VTG_SERVICE_UNAVAILABLE', {
    params: { reason: 'the store is closing' },
    retryAfter: 1,
  });
}

/** How an embedded store reads through query threads (SqliteStore, SqliteTraceStore). */
export interface StoreQueryThreadOptions {
  /**
   * Worker threads that run the query API's reads, each on a read-only connection of its own, so
   * that a slow query never blocks the calling thread. 0 or absent: the reads run inline, on the
   * store's reader connection.
   */
  readonly queryThreads?: number;
  /** Reads that may wait while every query thread is busy; past it, VTG_QUERY_OVERLOADED. */
  readonly queryQueueMax?: number;
  /**
   * The deadline of a read on a query thread: past it, VTG_QUERY_TIMEOUT and the thread is
   * replaced. Inline reads (no query threads) cannot be interrupted and have none.
   */
  readonly queryTimeoutMs?: number;
}

/** Reads waiting for a query thread, unless the options say otherwise. */
export const DEFAULT_QUERY_QUEUE_MAX = 256;

/**
 * A store's query threads as its options ask, or none (reads inline): `threads` for any read and
 * one more for light ones (listings, a trace by id), so those never wait behind heavy queries.
 */
export function storeQueryThreads<Request, Answer>(
  script: URL,
  options: StoreQueryThreadOptions,
  workerData: unknown,
): QueryThreadPool<Request, Answer> | undefined {
  const threads = options.queryThreads ?? 0;
  if (threads <= 0) return undefined;
  return new QueryThreadPool<Request, Answer>({
    script,
    threads,
    reservedThreads: 1,
    maxQueued: options.queryQueueMax ?? DEFAULT_QUERY_QUEUE_MAX,
    ...(options.queryTimeoutMs !== undefined ? { queryTimeoutMs: options.queryTimeoutMs } : {}),
    workerData,
  });
}
