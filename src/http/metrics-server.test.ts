import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';
import { answerUntilClosed, openSocket, rawExchange } from '../../test/support/raw-http.js';
import { buildMetricsServer } from './metrics-server.js';

/** The metrics ports (9091, 9092) through a real port: coded refusals, timeouts, a bounded close. */
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listening(headersTimeoutMs = TEST_HTTP_SETTINGS.headersTimeoutMs): Promise<number> {
  app = await buildMetricsServer(new Registry(), {
    ...TEST_HTTP_SETTINGS,
    headersTimeoutMs,
    shutdownGraceMs: 300,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

describe('a metrics server', () => {
  it('answers unknown routes and requests that are not HTTP with coded bodies', async () => {
    const port = await listening();
    const notFound = await fetch(`http://127.0.0.1:${port}/nothing`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: { code: 'VTG_HTTP_NOT_FOUND' } });
    const garbage = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ error: { code: 'VTG_HTTP_BAD_REQUEST' } });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  });

  it('answers headers that never finish with a coded 408', async () => {
    const port = await listening(300);
    const socket = await openSocket(port);
    const answer = answerUntilClosed(socket);
    socket.write('GET /metrics HTTP/1.1\r\n');
    const res = await answer;
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'VTG_HTTP_REQUEST_TIMEOUT' } });
  });

  it('closes while a client holds a half-sent request', async () => {
    const port = await listening();
    const socket = await openSocket(port);
    socket.on('error', () => undefined);
    socket.write('GET /metrics HTTP/1.1\r\n');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const server = app;
    app = undefined;
    await server?.close();
    await closed;
  });
});
