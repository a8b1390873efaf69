import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { VantageError } from '../core/index.js';
import type { PageRequest } from '../storage/index.js';

/**
 * Page sizes of the listings (docs/api.md, "Pages"): a default a dashboard never outgrows, and a
 * maximum that keeps one answer small whatever the number of services or metrics.
 */
export const PAGE_SIZES = {
  services: { default: 1_000, max: 10_000 },
  metrics: { default: 1_000, max: 10_000 },
  /** Each service scored costs six range queries. */
  healthScores: { default: 200, max: 1_000 },
} as const;

export const PageQuerySchema = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Items per page (see docs/api.md for the maximum)' }),
  ),
  after: Type.Optional(Type.String({ description: 'The `next` of the previous page' })),
});
export type PageQuery = Static<typeof PageQuerySchema>;

/** The store request for a page: one item more than asked, to tell whether another page follows. */
export function pageRequest(
  query: PageQuery,
  sizes: { readonly default: number; readonly max: number },
): PageRequest {
  const limit = query.limit ?? sizes.default;
  if (limit > sizes.max) {
    throw new VantageError('VTG_QUERY_INVALID_PARAMETER', {
      params: {
        reason: `limit ${limit} is over the maximum of ${sizes.max} per page: follow \`next\` instead`,
      },
      field: 'limit',
    });
  }
  return { after: query.after, limit: limit + 1 };
}

/** The page's items and the cursor of the next page (null on the last one). */
export function cutPage<T>(
  items: readonly T[],
  request: PageRequest,
  name: (item: T) => string,
): { items: T[]; next: string | null } {
  const limit = request.limit - 1;
  if (items.length <= limit) return { items: [...items], next: null };
  const page = items.slice(0, limit);
  return { items: page, next: name(page[page.length - 1] as T) };
}
