import { z } from 'zod';
import { unstorablePart } from '#domain/storable';
import { ValidationError } from './errors.ts';
import type { ApiRequest } from './request.ts';

/**
 * Beyond Almanach: every list pages with `limit` and an opaque `cursor` (base64url JSON of where the
 * previous page stopped). A request with neither gets the whole list in one body, as Almanach answers.
 * The body keeps Almanach's shape (a JSON array); the next page's cursor travels in `X-Next-Cursor` and a
 * `Link: <…>; rel="next"` header, absent on the last page. Hand-written: pagination libraries page by
 * offset or wrap an ORM, while this is a keyset over the store's own order behind a validated cursor.
 */
export const pageQueryShape = {
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .optional()
    .describe('Page size; with it (or with cursor) the list is paginated'),
  cursor: z.string().optional().describe('Where to continue: the X-Next-Cursor of the previous page'),
};

export interface PageQuery {
  limit?: string | undefined;
  cursor?: string | undefined;
}

export interface Page<Position> {
  limit: number;
  after: Position | undefined;
}

/**
 * The page asked for, or undefined for Almanach's whole list; a route with a `defaultLimit` always pages,
 * by that many when `limit` is not given.
 */
export function pageOf<Position>(
  query: PageQuery,
  maxPageSize: number,
  positionSchema: z.ZodType<Position>,
): Page<Position> | undefined;
export function pageOf<Position>(
  query: PageQuery,
  maxPageSize: number,
  positionSchema: z.ZodType<Position>,
  defaultLimit: number,
): Page<Position>;
export function pageOf<Position>(
  query: PageQuery,
  maxPageSize: number,
  positionSchema: z.ZodType<Position>,
  defaultLimit?: number,
): Page<Position> | undefined {
  if (query.limit === undefined && query.cursor === undefined && defaultLimit === undefined) return undefined;
  const limit =
    query.limit === undefined ? Math.min(defaultLimit ?? maxPageSize, maxPageSize) : Number(query.limit);
  if (limit < 1 || limit > maxPageSize)
    throw new ValidationError('limit', `must be between 1 and ${maxPageSize}`);
  return {
    limit,
    after: query.cursor === undefined ? undefined : decodeCursor(query.cursor, positionSchema),
  };
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeCursor<Position>(cursor: string, schema: z.ZodType<Position>): Position {
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // A forged cursor's position reaches a find: one the store cannot hold would fail there.
    const parsed = unstorablePart(position) ? undefined : schema.safeParse(position);
    if (parsed?.success) return parsed.data;
  } catch {
    // Not base64url JSON: reported below like any other cursor we did not issue.
  }
  throw new ValidationError('cursor', 'is not a cursor this API issued');
}

export function nextPageHeaders(request: ApiRequest, next: unknown): Record<string, string> {
  if (next === null || next === undefined) return {};
  const cursor = encodeCursor(next);
  const query = new URLSearchParams(request.query);
  query.set('cursor', cursor);
  return { 'x-next-cursor': cursor, link: `<${request.path}?${query.toString()}>; rel="next"` };
}
