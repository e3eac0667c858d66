import { z } from 'zod';
import { recordVolumeType } from '#ingest/ingest-batch';
import { VolumeTypeNotFoundError } from '../errors.ts';
import { nextPageHeaders, pageOf } from '../pagination.ts';
import type { ApiResult } from '../route-spec.ts';
import type { ContextOf } from '../route-table.ts';
import { volumeTypeJson, volumeTypesCsv } from '../serialize.ts';
import { loggedRequest } from './record.ts';

const typePosition = z.object({ typeId: z.string() });

export async function listVolumeTypes({
  query,
  request,
  services,
}: ContextOf<'listVolumeTypes'>): Promise<ApiResult> {
  const page = pageOf(query, services.maxPageSize, typePosition);
  const { types, more } = await services.volumeTypes.list(
    page && { limit: page.limit, after: page.after?.typeId },
  );
  const last = types.at(-1);
  return {
    status: 200,
    json: types.map(volumeTypeJson),
    csv: volumeTypesCsv(types),
    headers: nextPageHeaders(request, more && last ? { typeId: last.volume_type_id } : null),
  };
}

export async function getVolumeType({ params, services }: ContextOf<'getVolumeType'>): Promise<ApiResult> {
  const type = await services.volumeTypes.get(params.type_id);
  if (!type) throw new VolumeTypeNotFoundError(params.type_id);
  return { status: 200, json: volumeTypeJson(type) };
}

/** Recorded as volume_type.create is: the volumes recorded with this id get its name. */
export async function createVolumeType({
  body,
  request,
  services,
}: ContextOf<'createVolumeType'>): Promise<ApiResult> {
  const logged = loggedRequest(services, request, 'api.volume_type.create', body);
  await recordVolumeType(services.writers, logged, { id: body.type_id, name: body.type_name });
  return { status: 201 };
}

/**
 * Logged like any write, then removed. Volumes keep the name they were recorded with, as in Almanach
 * (versions store the type's name, not a reference to it).
 */
export async function deleteVolumeType({
  params,
  request,
  services,
}: ContextOf<'deleteVolumeType'>): Promise<ApiResult> {
  if (!(await services.volumeTypes.get(params.type_id))) throw new VolumeTypeNotFoundError(params.type_id);
  const logged = loggedRequest(services, request, 'api.volume_type.delete', { type_id: params.type_id });
  const { failed } = await services.writers.ports.appendEvents([
    { ...logged, details: { deletedVolumeTypeId: params.type_id } },
  ]);
  const failure = failed.get(logged.messageId);
  if (failure) throw failure;
  if (!(await services.volumeTypes.delete(params.type_id))) throw new VolumeTypeNotFoundError(params.type_id);
  return { status: 202 };
}
