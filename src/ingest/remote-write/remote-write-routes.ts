import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { errorBody, PointColumns, ProtobufError, VantageError } from '../../core/index.js';
import type { IngestGuard } from '../ingest-guard.js';
import type { PointIngest, PointIngestResult } from '../point-ingest.js';
import { LabelCache } from './label-cache.js';
import { snappyUncompress } from './snappy.js';
import { decodeWriteRequestV1 } from './write-request-v1.js';
import type { DecodedCounts } from './series-points.js';
import { decodeRequestV2 } from './write-request-v2.js';

export interface RemoteWriteRouteOptions {
  readonly ingest: PointIngest;
  /** API keys (a remote_write bearer token is an API key) and rate limits, shared by every way in. */
  readonly guard: IngestGuard;
  /** --max-body-bytes, checked against the snappy block's announced length before it is inflated. */
  readonly maxBodyBytes: number;
  readonly clock: () => number;
}

type Version = '1.0' | '2.0';

const PROTO_V1 = 'prometheus.writerequest';
const PROTO_V2 = 'io.prometheus.write.v2.request';

declare module 'fastify' {
  interface FastifyRequest {
    remoteWriteVersion?: Version;
  }
}

/**
 * `POST /api/v1/write`: Prometheus remote_write 1.0 and 2.0 on the collector's port, the protocol
 * chosen by Content-Type as the 2.0 spec says. Answers, as the spec wants them:
 * - 204 when every sample was written (durable on the bus);
 * - 400 when the body can never be read, or when samples were refused: the spec forbids a 2xx for
 *   a partial write, and a sender drops a request answered 400 rather than retrying it, which loses
 *   nothing more (what could be written was; retrying would be refused again);
 * - 415 for a Content-Type or Content-Encoding not spoken here;
 * - 429 and 503 with Retry-After only for what a retry can fix (rate limit, full buffer, bus down).
 * 2.0 answers say how much was written in X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written.
 */
export const remoteWriteRoutes: FastifyPluginAsync<RemoteWriteRouteOptions> = async (app, options) => {
  const { ingest, guard, maxBodyBytes, clock } = options;
  const labels = new LabelCache();
  // Encapsulated: the protobuf parser exists only under this plugin; the collector's JSON route
  // still refuses protobuf with its 415.
  app.addContentTypeParser(
    'application/x-protobuf',
    { parseAs: 'buffer', bodyLimit: maxBodyBytes },
    (_r, body, done) => done(null, body),
  );

  app.post(
    '/api/v1/write',
    {
      schema: {
        summary: 'Prometheus remote_write (1.0 and 2.0)',
        description:
          'Snappy-compressed prometheus.WriteRequest (Content-Type application/x-protobuf) or io.prometheus.write.v2.Request (application/x-protobuf;proto=io.prometheus.write.v2.Request). 204 once durable. See docs/ingest.md.',
        security: [{ bearer: [] }, { apiKeyHeader: [] }],
      },
      onRequest: async (request) => {
        request.apiKeyId = guard.admit(request.headers, request.ip);
      },
      // Before the body is read: a type or encoding we do not speak is a 415, whatever the body.
      preParsing: async (request, _reply, payload) => {
        request.remoteWriteVersion = protocolVersion(request.headers['content-type']);
        const encoding = (request.headers['content-encoding'] ?? 'snappy').toLowerCase().trim();
        // Absent means snappy: 1.0 senders before the 2.0 spec did not always say, and Prometheus'
        // own receiver decodes snappy whatever the header.
        if (encoding !== 'snappy') {
          throw new VantageError('VTG_REMOTE_WRITE_UNSUPPORTED_ENCODING', {
            params: { encoding },
            field: 'content-encoding',
          });
        }
        return payload;
      },
    },
    async (request, reply) => {
      const version = request.remoteWriteVersion ?? '1.0';
      const body = snappyUncompress(request.body as Buffer, maxBodyBytes);
      const columns = new PointColumns();
      const counts = decode(version, body, columns, labels);
      const result: PointIngestResult =
        columns.totalPoints === 0 && columns.rejectedPoints === 0
          ? { accepted: 0, rejected: 0, rejections: [] }
          : await ingest.submit(columns, clock());
      if (version === '2.0') writtenHeaders(reply, counts, columns, result);
      return answer(reply, result);
    },
  );
};

/** The protocol a Content-Type names; anything but application/x-protobuf is a 415. */
export function protocolVersion(contentType: string | undefined): Version {
  const [essence = '', ...params] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  if (essence === 'application/x-protobuf') {
    const proto = params
      .find((p) => p.startsWith('proto='))
      ?.slice('proto='.length)
      .replace(/^"|"$/g, '');
    if (proto === undefined || proto === PROTO_V1) return '1.0';
    if (proto === PROTO_V2) return '2.0';
  }
  throw new VantageError('VTG_REMOTE_WRITE_UNSUPPORTED_MEDIA_TYPE', {
    params: { type: contentType ?? '(none)' },
    field: 'content-type',
  });
}

function decode(
  version: Version,
  body: Uint8Array,
  columns: PointColumns,
  labels: LabelCache,
): DecodedCounts {
  try {
    return version === '2.0' ? decodeRequestV2(body, columns) : decodeWriteRequestV1(body, columns, labels);
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err;
    const message = version === '2.0' ? 'io.prometheus.write.v2.Request' : 'prometheus.WriteRequest';
    throw new VantageError('VTG_REMOTE_WRITE_UNDECODABLE', {
      params: { reason: `not a ${message}: ${err.message}` },
      field: 'body',
      cause: err,
    });
  }
}

/**
 * What was written, by kind. PointIngest counts samples and histograms together as points: when
 * none was refused the split is exact; after a refusal it is not known, and histograms count as
 * written only as far as the samples cannot account for the accepted points (a lower bound).
 * Staleness markers are taken, not stored: they count as written. Exemplars are counted but not
 * stored yet (docs/ingest.md): written when nothing was refused.
 */
function writtenHeaders(
  reply: FastifyReply,
  counts: DecodedCounts,
  columns: PointColumns,
  result: PointIngestResult,
): void {
  const histograms = columns.histograms.length;
  const allWritten = result.rejected === 0;
  const histogramsWritten = allWritten ? histograms : Math.max(0, result.accepted - columns.pointCount);
  const stale = allWritten ? counts.staleMarkers : 0;
  void reply.header(
    'X-Prometheus-Remote-Write-Samples-Written',
    String(result.accepted - histogramsWritten + stale),
  );
  void reply.header('X-Prometheus-Remote-Write-Histograms-Written', String(histogramsWritten));
  void reply.header('X-Prometheus-Remote-Write-Exemplars-Written', String(allWritten ? counts.exemplars : 0));
}

function answer(reply: FastifyReply, result: PointIngestResult): FastifyReply {
  const first = result.rejections[0];
  if (result.rejected === 0 || first === undefined) return reply.code(204).send();
  const err =
    result.accepted === 0
      ? new VantageError(first.code, { field: first.field, message: first.message })
      : new VantageError('VTG_REMOTE_WRITE_PARTIAL_WRITE', {
          params: {
            rejected: result.rejected,
            total: result.rejected + result.accepted,
            written: result.accepted,
            first: `${first.code} at ${first.field}: ${first.message}`,
          },
          field: first.field,
        });
  // Counted under vantage_collector_errors_total by PointIngest (per point), not again here.
  reply.log.warn({ code: err.code, rejected: result.rejected, accepted: result.accepted }, err.message);
  return reply.code(400).send({ ...errorBody(err), rejected: result.rejections });
}
