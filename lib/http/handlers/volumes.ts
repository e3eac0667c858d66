import { hasFresherVersion } from '#domain/timeline';
import { parseBodyDate } from '../almanach-dates.ts';
import { VolumeTypeNotFoundError } from '../errors.ts';
import type { ApiResult } from '../route-spec.ts';
import type { ContextOf } from '../route-table.ts';
import { activeVersionOf, recordApiEvent } from './record.ts';

export async function createVolume({
  params,
  body,
  request,
  services,
}: ContextOf<'createVolume'>): Promise<ApiResult> {
  const at = parseBodyDate(body.start);
  // Almanach returns early, before looking the type up, when a fresher version exists.
  if (hasFresherVersion(await services.timelines.timelineOf(body.volume_id), at)) return { status: 201 };
  if (body.volume_type !== null && !(await services.volumeTypes.get(body.volume_type))) {
    throw new VolumeTypeNotFoundError(body.volume_type);
  }
  await recordApiEvent(services, request, 'api.volume.create', body, {
    kind: 'volume.created',
    entityId: body.volume_id,
    at,
    projectId: params.project_id,
    name: body.volume_name,
    volumeTypeId: body.volume_type,
    size: body.size,
    attachments: body.attached_to,
  });
  return { status: 201 };
}

export async function deleteVolume({
  params,
  body,
  request,
  services,
}: ContextOf<'deleteVolume'>): Promise<ApiResult> {
  const entityId = params.volume_id;
  const at = parseBodyDate(body.date);
  // Almanach's delete_volume goes through get_active_entity, as resize, attach and detach do: an API call
  // is synchronous and answers 404 for a volume with no running version (a notification would be kept).
  await activeVersionOf(services, entityId, 'volume');
  await recordApiEvent(services, request, 'api.volume.delete', body, {
    kind: 'volume.deleted',
    entityId,
    at,
  });
  return { status: 202 };
}

export async function resizeVolume({
  params,
  body,
  request,
  services,
}: ContextOf<'resizeVolume'>): Promise<ApiResult> {
  const at = parseBodyDate(body.date);
  await activeVersionOf(services, params.volume_id, 'volume');
  await recordApiEvent(services, request, 'api.volume.resize', body, {
    kind: 'volume.resized',
    entityId: params.volume_id,
    at,
    size: body.size,
  });
  return { status: 200 };
}

export function changeAttachments(kind: 'volume.attached' | 'volume.detached') {
  const eventType = kind === 'volume.attached' ? 'api.volume.attach' : 'api.volume.detach';
  return async ({
    params,
    body,
    request,
    services,
  }: ContextOf<'attachVolume' | 'detachVolume'>): Promise<ApiResult> => {
    const at = parseBodyDate(body.date);
    await activeVersionOf(services, params.volume_id, 'volume');
    await recordApiEvent(services, request, eventType, body, {
      kind,
      entityId: params.volume_id,
      at,
      attachments: body.attachments,
    });
    return { status: 200 };
  };
}
