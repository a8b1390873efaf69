import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useApi } from './use-api';

afterEach(cleanup);

/** A request the test answers by hand, to see each state in between. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useApi', () => {
  it('loads, keeps the answer on screen while reloading, and drops it for another key', async () => {
    const calls: { key: string; answer: ReturnType<typeof deferred<string>>; signal: AbortSignal }[] = [];
    const { result, rerender } = renderHook(
      ({ key }: { key: string }) =>
        useApi(key, (signal) => {
          const answer = deferred<string>();
          calls.push({ key, answer, signal });
          return answer.promise;
        }),
      { initialProps: { key: 'a' } },
    );
    expect(result.current.state).toEqual({ status: 'loading' });
    await act(async () => calls[0]?.answer.resolve('first'));
    expect(result.current.state).toMatchObject({ status: 'ok', data: 'first' });
    expect(result.current.state.asOf).toBeTypeOf('number');

    // Reload: the last answer stays while the new one is on its way.
    act(() => result.current.reload());
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(result.current.state).toMatchObject({ status: 'loading', data: 'first' });
    await act(async () => calls[1]?.answer.reject(new Error('down')));
    expect(result.current.state).toMatchObject({ status: 'error', data: 'first' });
    expect(result.current.state.error?.message).toBe('down');

    // Another key never shows the first key's data, and the old request is cancelled.
    rerender({ key: 'b' });
    await waitFor(() => expect(calls).toHaveLength(3));
    expect(result.current.state).toEqual({ status: 'loading' });
    rerender({ key: 'c' });
    await waitFor(() => expect(calls).toHaveLength(4));
    expect(calls[2]?.signal.aborted).toBe(true);
    await act(async () => calls[2]?.answer.resolve('late'));
    expect(result.current.state).toEqual({ status: 'loading' });
    await act(async () => calls[3]?.answer.resolve('third'));
    expect(result.current.state).toMatchObject({ status: 'ok', data: 'third' });
  });

  it('asks nothing without a key', () => {
    let asked = 0;
    const { result } = renderHook(() =>
      useApi(null, () => {
        asked++;
        return Promise.resolve(1);
      }),
    );
    expect(result.current.state.status).toBe('loading');
    expect(asked).toBe(0);
  });
});
