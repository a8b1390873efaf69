import type { MessagePort } from 'node:worker_threads';
import { ERRORS, VantageError } from '../../core/index.js';
import type { ErrorCode, TextPosition } from '../../core/index.js';

/**
 * The messages between a QueryThreadPool and its threads. A thread says `ready` once it can
 * answer (its connection is open), answers each `run` with `answer` or `failed` under the same
 * id, one at a time in the order they came, and on `close` releases what it holds and lets its
 * event loop end. Anything else it does not survive (an uncaught error, running out of memory)
 * ends the thread, and the pool fails the query it held.
 */
export type ToQueryThread<Request> =
  { readonly type: 'run'; readonly id: number; readonly request: Request } | { readonly type: 'close' };

export type FromQueryThread<Answer> =
  | { readonly type: 'ready' }
  | { readonly type: 'answer'; readonly id: number; readonly answer: Answer }
  | { readonly type: 'failed'; readonly id: number; readonly error: ThreadError };

/** An error thrown while answering, as data: structured clone would keep only its message. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  /** A catalog code (VTG_*) or a driver's (SQLITE_BUSY). */
  readonly code?: string;
  readonly field?: string;
  readonly retryAfter?: number;
  readonly position?: TextPosition;
}

export function toThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & Partial<Record<'code' | 'field' | 'line' | 'column' | 'offset', unknown>>;
  const position =
    err instanceof VantageError
      ? err.position
      : typeof e.line === 'number' && typeof e.column === 'number' && typeof e.offset === 'number'
        ? { line: e.line, column: e.column, offset: e.offset }
        : undefined;
  return {
    name: err.name,
    message: err.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.field === 'string' ? { field: e.field } : {}),
    ...(err instanceof VantageError && err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    ...(position !== undefined ? { position } : {}),
  };
}

/**
 * The error again, on the pool's side: a VantageError when its code is in the catalog (a VQL
 * error keeps its field and position), otherwise an Error with the thread's name, message and
 * driver code.
 */
export function fromThreadError(e: ThreadError): Error {
  if (e.code !== undefined && e.code in ERRORS) {
    return new VantageError(e.code as ErrorCode, {
      message: e.message,
      ...(e.field !== undefined ? { field: e.field } : {}),
      ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}),
      ...(e.position !== undefined ? { position: e.position } : {}),
    });
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}

/** What a query thread does with the requests it is sent. */
export interface QueryHandler<Request, Answer> {
  answer(request: Request): Answer;
  /** Releases what the thread holds (its connection), on the pool's `close`. */
  close(): void;
}

/** The thread's side of the protocol: answers on `port` until told to close, then lets go of it. */
export function serveQueries<Request, Answer>(
  port: MessagePort,
  handler: QueryHandler<Request, Answer>,
): void {
  port.on('message', (m: ToQueryThread<Request>) => {
    if (m.type === 'close') {
      handler.close();
      port.close();
      return;
    }
    const post = (reply: FromQueryThread<Answer>): void => port.postMessage(reply);
    try {
      post({ type: 'answer', id: m.id, answer: handler.answer(m.request) });
    } catch (err) {
      // From the handler, or from cloning an answer that is not plain data.
      post({ type: 'failed', id: m.id, error: toThreadError(err) });
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromQueryThread<Answer>);
}
