import { createGunzip } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { VantageError } from '../core/index.js';

/**
 * Gunzips a request body on its way to the body parser (every way in over HTTP uses it); Fastify
 * counts the decoded bytes against the body limit, so a gzip bomb stops at the limit.
 */
export function gunzipBody(request: FastifyRequest, payload: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return payload;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new VantageError('VTG_INGEST_UNSUPPORTED_ENCODING', {
      params: { encoding },
      field: 'content-encoding',
    });
  }
  const gunzip: Transform & { receivedEncodedLength?: number } = createGunzip();
  gunzip.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength = (gunzip.receivedEncodedLength ?? 0) + chunk.length;
  });
  payload.on('error', (err) => gunzip.destroy(err));
  // Fastify reads this stream, and hears its errors, only if the request gets that far: one it
  // refuses first (another Content-Type, say) still pipes its bytes here, and bad gzip would then
  // be an uncaught 'error' that ends the process.
  gunzip.on('error', () => undefined);
  return payload.pipe(gunzip);
}
