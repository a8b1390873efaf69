import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { VantageError } from '../core/index.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';
import { buildHttpServer } from './http-server.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A real pino logger whose lines are kept, parsed. */
function keptLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('buildHttpServer', () => {
  it("names its component on every log line its requests write, and leaves the caller's logger as it is", async () => {
    const { logger, lines } = keptLogger();
    app = await buildHttpServer({
      logger,
      component: 'collector',
      http: TEST_HTTP_SETTINGS,
      mapFrameworkError: () => undefined,
    });
    app.get('/refused', async () => {
      throw new VantageError('VTG_HTTP_NOT_FOUND', { params: { method: 'GET', url: '/refused' } });
    });
    const res = await app.inject({ url: '/refused' });
    expect(res.statusCode).toBe(404);
    logger.info('from the caller');
    const refused = lines.find((l) => l.code === 'VTG_HTTP_NOT_FOUND');
    expect(refused).toMatchObject({ component: 'collector' });
    expect(lines.find((l) => l.msg === 'from the caller')).not.toHaveProperty('component');
  });
});
