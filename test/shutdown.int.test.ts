import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, postMetrics, timeseries } from './support/http.js';
import { answerUntilClosed, openSocket } from './support/raw-http.js';
import { StreamTestClient } from './support/stream-client.js';
import { startVantageProcess } from './support/vantage-process.js';

/**
 * SIGTERM while clients hold connections on every port of a real `vantage start`: idle sockets,
 * keep-alive sockets between requests, requests whose headers or body trickle in, a live stream.
 * The process still exits, with 0, once --shutdown-grace has passed at most, and what was
 * acknowledged before is stored after a restart. Then, with the timeouts set small by their
 * flags, a trickling body is answered 408 on the collector and the query API.
 */
const PER_PORT = 8;
const dir = mkdtempSync(join(tmpdir(), 'vantage-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A request that announces a body and sends one byte of it every 200 ms, until closed. */
async function trickle(
  url: string,
  path: string,
): Promise<{ socket: Socket; answer: ReturnType<typeof answerUntilClosed> }> {
  const socket = await openSocket(Number(new URL(url).port));
  const answer = answerUntilClosed(socket);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
  );
  const drip = setInterval(() => socket.write(' '), 200);
  socket.once('close', () => clearInterval(drip));
  return { socket, answer };
}

describe('shutdown with slow and idle clients', () => {
  it('exits with 0 within the grace, the acknowledged data stored', async () => {
    const vantage = await startVantageProcess(dir, ['--shutdown-grace', '2s']);
    const now = Date.now();
    const acked = await postMetrics(vantage.collector, [
      { service: 'shutdown', name: 'kept', value: 42, timestamp: now },
    ]);
    expect(acked.status).toBe(202);

    const ports = [vantage.collector, vantage.api, vantage.apiMetrics, vantage.workerMetrics].map((u) =>
      Number(new URL(u).port),
    );
    const sockets: Socket[] = [];
    for (const port of ports) {
      for (let i = 0; i < PER_PORT; i++) {
        const idle = await openSocket(port);
        const keptAlive = await openSocket(port);
        const halfSent = await openSocket(port);
        keptAlive.write('GET /live HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n');
        halfSent.write('GET /live HTTP/1.1\r\nHost: test\r\n');
        sockets.push(idle, keptAlive, halfSent);
      }
    }
    for (let i = 0; i < PER_PORT; i++) {
      sockets.push((await trickle(vantage.collector, '/v1/metrics')).socket);
      sockets.push((await trickle(vantage.api, '/v1/query')).socket);
    }
    for (const s of sockets) s.on('error', () => undefined);
    const stream = await StreamTestClient.open(`${vantage.api.replace('http', 'ws')}/v1/stream`);

    const started = performance.now();
    vantage.child.kill('SIGTERM');
    expect(await vantage.exited).toBe(0);
    const seconds = (performance.now() - started) / 1000;
    // A figure for the record, not an assertion: timings vary with the machine.
    console.log(
      `SIGTERM to exit with ${sockets.length} slow and idle connections and a stream: ${seconds.toFixed(2)} s`,
    );
    expect((await stream.closed).code).toBe(1001);
    for (const s of sockets) s.destroy();

    const again = await startVantageProcess(dir, [
      '--http-request-timeout',
      '1s',
      '--http-headers-timeout',
      '500ms',
    ]);
    try {
      const series = await eventually(
        async () => {
          const found = await timeseries(again.api, {
            service: 'shutdown',
            metric: 'kept',
            from: String(now - 120_000),
            to: String(now + 60_000),
            step: '60000',
            agg: 'max',
          });
          return found.length > 0 ? found : undefined;
        },
        20_000,
        'the acknowledged metric after the restart',
      );
      expect(series[0]?.points.map(([, v]) => v)).toEqual([42]);

      // The timeouts, as the flags set them, on real ports.
      for (const [url, path] of [
        [again.collector, '/v1/metrics'],
        [again.api, '/v1/query'],
      ] as const) {
        const res = await (await trickle(url, path)).answer;
        expect(res.status, path).toBe(408);
        expect(JSON.parse(res.body), path).toMatchObject({ error: { code: 'VTG_HTTP_REQUEST_TIMEOUT' } });
      }
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
