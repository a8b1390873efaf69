import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { VantageError } from '../core/index.js';

/** Paths that belong to the API: an unknown one is a JSON 404, never the dashboard's page. */
const API_PATHS = ['/v1', '/metrics', '/api'];

/**
 * The dashboard's routes. They carry no data (the page asks for an API key and sends it with its
 * API calls), so they are open when API keys are on: a browser could not send a key to load the
 * page that asks for it.
 */
export const DASHBOARD_ROUTES: readonly string[] = ['/assets/*', '/*'];

function isApiPath(path: string): boolean {
  return API_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * Serves the built dashboard (web/, built by Vite into dist/web) at `/`: hashed files under
 * `/assets/` with immutable cache headers (a new build has new names), and index.html, never
 * cached, for every other GET that is not an API path, so that the app's own addresses
 * (`/services/checkout`, `/explore?q=...`) load the app. Registers nothing when there is no build
 * in `dir`.
 */
export const dashboardRoutes: FastifyPluginAsync<{ readonly dir: string }> = async (app, { dir }) => {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return;
  // Read once: a build does not change under a running server, and index.html is 1 KB.
  const index = readFileSync(indexFile);
  await app.register(async (scope) => {
    scope.setErrorHandler(async (err: FastifyError, request) => {
      if (!isRefusedPath(err)) throw err;
      // The API's error handler answers it, logged as a warning like any 404.
      throw new VantageError('VTG_HTTP_NOT_FOUND', {
        params: { method: request.method, url: request.url },
        cause: err,
      });
    });
    await scope.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      immutable: true,
      maxAge: '365d',
      index: false,
      dotfiles: 'ignore',
      decorateReply: false,
    });
  });
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    if (isApiPath(request.url.split('?')[0] ?? '')) return reply.callNotFound();
    return reply
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('content-security-policy', "frame-ancestors 'none'")
      .type('text/html; charset=utf-8')
      .send(index);
  });
};

/**
 * The static files plugin refuses some paths with an error rather than a 404: the directory
 * itself (`/assets/`), a path that climbs out of it (`..`, `%2e%2e`), a NUL byte, a name the file
 * system cannot hold. To a client each is simply a file the dashboard does not have; only a
 * failure to read a file that is there (the disk) stays a 500.
 */
function isRefusedPath(err: FastifyError & { status?: number }): boolean {
  const status = err.statusCode ?? err.status;
  if (status !== undefined && status >= 400 && status < 500) return true;
  return ['ENAMETOOLONG', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ERR_INVALID_ARG_VALUE'].includes(err.code);
}
