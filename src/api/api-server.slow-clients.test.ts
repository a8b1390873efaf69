import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpServerSettings } from '../http/index.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';
import { answerUntilClosed, openSocket } from '../../test/support/raw-http.js';
import { EMPTY_STORE, testApiServer } from '../../test/support/test-api-server.js';

/**
 * Slow and idle clients against the query API on a real port: a body that trickles in is answered
 * 408 once --http-request-timeout passes, headers that never finish once --http-headers-timeout
 * passes, and close() ends, whatever the clients hold, once --shutdown-grace passes.
 */

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listening(http: Partial<HttpServerSettings>): Promise<number> {
  app = await testApiServer({ store: EMPTY_STORE, http: { ...TEST_HTTP_SETTINGS, ...http } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** A POST /v1/query whose body never finishes: one byte now, then one more every 100 ms. */
async function tricklingBody(port: number) {
  const socket = await openSocket(port);
  const answer = answerUntilClosed(socket);
  socket.write(
    'POST /v1/query HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
  );
  const drip = setInterval(() => socket.write(' '), 100);
  socket.once('close', () => clearInterval(drip));
  return { socket, answer };
}

describe('slow and idle clients', () => {
  it('answers a body that trickles in with a coded 408 after the request timeout, and keeps serving', async () => {
    const port = await listening({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const { answer } = await tricklingBody(port);
    const res = await answer;
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'VTG_HTTP_REQUEST_TIMEOUT' } });
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('answers headers that never finish with a coded 408 after the headers timeout', async () => {
    const port = await listening({ headersTimeoutMs: 300, requestTimeoutMs: 60_000 });
    const socket = await openSocket(port);
    const answer = answerUntilClosed(socket);
    socket.write('GET /health HTTP/1.1\r\nHost: test\r\n');
    const res = await answer;
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'VTG_HTTP_REQUEST_TIMEOUT' } });
  });

  it('closes a connection that sends nothing once the headers timeout passes', async () => {
    const port = await listening({ headersTimeoutMs: 300, requestTimeoutMs: 60_000 });
    const socket = await openSocket(port);
    const res = await answerUntilClosed(socket);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'VTG_HTTP_REQUEST_TIMEOUT' } });
  });

  it('closes, within the grace, while clients hold idle, half-sent and slow-body connections', async () => {
    // Timeouts far longer than the test: only the shutdown may end these connections.
    const port = await listening({
      headersTimeoutMs: 60_000,
      requestTimeoutMs: 60_000,
      shutdownGraceMs: 300,
    });
    const idle = await Promise.all([1, 2, 3].map(() => openSocket(port)));
    const keptAlive = await openSocket(port);
    const keptAliveAnswer = new Promise<string>((resolve) =>
      keptAlive.once('data', (d: Buffer) => resolve(d.toString())),
    );
    keptAlive.write('GET /live HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n');
    expect(await keptAliveAnswer).toMatch(/^HTTP\/1\.1 200/);
    const halfSent = await openSocket(port);
    halfSent.write('GET /live HTTP/1.1\r\nHost: test\r\n');
    const slow = await Promise.all([1, 2, 3].map(() => tricklingBody(port)));
    const closed = [...idle, keptAlive, halfSent, ...slow.map((s) => s.socket)].map(
      (s) => new Promise<void>((resolve) => s.once('close', () => resolve())),
    );
    for (const s of [...idle, keptAlive, halfSent]) s.on('error', () => undefined);
    const server = app;
    app = undefined;
    await server?.close();
    await Promise.all(closed);
    // Every connection is gone and the port is free: the server closed rather than waited.
    await expect(openSocket(port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
