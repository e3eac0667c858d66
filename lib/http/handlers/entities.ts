import { z } from 'zod';
import type { EntityType } from '#domain/entity';
import { parseQueryDate } from '../almanach-dates.ts';
import { EntityNotFoundError } from '../errors.ts';
import { nextPageHeaders, pageOf } from '../pagination.ts';
import type { ApiResult } from '../route-spec.ts';
import type { ContextOf } from '../route-table.ts';
import type { periodQuery } from '../schemas.ts';
import { entitiesCsv, entityJson } from '../serialize.ts';
import { wholeList } from '../whole-list.ts';

/** Where a page of versions stops: the last version's entity and index. */
const versionPosition = z.object({ entityId: z.string(), index: z.number().int().nonnegative() });

/** The period of a list: `start` as given (required), `end` as given or now. */
export function periodOf(query: z.output<typeof periodQuery>, now: Date): { start: Date; end: Date } {
  return {
    start: parseQueryDate(query.start, 'up'),
    end: query.end === undefined ? now : parseQueryDate(query.end, 'down'),
  };
}

/** GET /project/{id}/instances, /volumes and /entities: versions overlapping the period. */
export function listVersions(entityType: EntityType | undefined) {
  return async ({
    params,
    query,
    request,
    services,
  }: ContextOf<'listInstances' | 'listVolumes' | 'listEntities'>): Promise<ApiResult> => {
    const { start, end } = periodOf(query, services.now());
    const page = pageOf(query, services.maxPageSize, versionPosition);
    const period = { projectId: params.project_id, start, end, entityType };
    const { versions, next } = page
      ? await services.queries.overlapping(period, page)
      : await wholeList(services.queries.eachOverlapping(period), services.maxListBytes);
    return {
      status: 200,
      json: versions.map(entityJson),
      csv: entitiesCsv(versions),
      headers: nextPageHeaders(request, next),
    };
  };
}

export async function getEntity({
  params,
  query,
  request,
  services,
}: ContextOf<'getEntity'>): Promise<ApiResult> {
  if (!(await services.queries.exists(params.entity_id))) throw new EntityNotFoundError('Entity not found');
  const page = pageOf(query, services.maxPageSize, versionPosition);
  const { versions, next } = page
    ? await services.queries.versionsOf(params.entity_id, page)
    : await wholeList(services.queries.eachVersionOf(params.entity_id), services.maxListBytes);
  return {
    status: 200,
    json: versions.map(entityJson),
    csv: entitiesCsv(versions),
    headers: nextPageHeaders(request, next),
  };
}

/** HEAD answers with an empty body either way, as Almanach does. */
export async function entityExists({ params, services }: ContextOf<'entityExists'>): Promise<ApiResult> {
  return { status: (await services.queries.exists(params.entity_id)) ? 200 : 404 };
}
