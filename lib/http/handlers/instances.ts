import type { Attributes, Os } from '#domain/entity';
import type { MappingOptions } from '#domain/mapping';
import { hasFresherVersion } from '#domain/timeline';
import { parseBodyDate } from '../almanach-dates.ts';
import type { ApiResult } from '../route-spec.ts';
import type { ContextOf } from '../route-table.ts';
import { activeVersionOf, recordApiEvent } from './record.ts';

export async function createInstance({
  params,
  body,
  request,
  services,
}: ContextOf<'createInstance'>): Promise<ApiResult> {
  const at = parseBodyDate(body.created_at);
  // Almanach answers 201 without recording anything when a fresher version is running.
  if (hasFresherVersion(await services.timelines.timelineOf(body.id), at)) return { status: 201 };
  const os: Os = { os_type: body.os_type, distro: body.os_distro, version: body.os_version };
  await recordApiEvent(services, request, 'api.instance.create', body, {
    kind: 'instance.created',
    entityId: body.id,
    at,
    projectId: params.project_id,
    name: body.name,
    flavor: body.flavor,
    os,
    imageMeta: imageMetaOf(os, services.mapping),
    metadata: {},
  });
  return { status: 201 };
}

export async function deleteInstance({
  params,
  body,
  request,
  services,
}: ContextOf<'deleteInstance'>): Promise<ApiResult> {
  const entityId = params.instance_id;
  // Almanach looks for the running instance before it reads the date.
  await activeVersionOf(services, entityId, 'instance', `InstanceId: ${entityId} Not Found`);
  const at = parseBodyDate(body.date);
  await recordApiEvent(services, request, 'api.instance.delete', body, {
    kind: 'instance.deleted',
    entityId,
    at,
    state: null,
    createdAt: null,
    deletedAt: at,
  });
  return { status: 202 };
}

export async function resizeInstance({
  params,
  body,
  request,
  services,
}: ContextOf<'resizeInstance'>): Promise<ApiResult> {
  const at = parseBodyDate(body.date);
  await activeVersionOf(services, params.instance_id, 'instance');
  await recordApiEvent(services, request, 'api.instance.resize', body, {
    kind: 'instance.resized',
    entityId: params.instance_id,
    at,
    flavor: body.flavor,
  });
  return { status: 200 };
}

export async function rebuildInstance({
  params,
  body,
  request,
  services,
}: ContextOf<'rebuildInstance'>): Promise<ApiResult> {
  const at = parseBodyDate(body.rebuild_date);
  await activeVersionOf(services, params.instance_id, 'instance');
  const os: Os = { os_type: body.os_type, distro: body.distro, version: body.version };
  await recordApiEvent(services, request, 'api.instance.rebuild', body, {
    kind: 'instance.rebuilt',
    entityId: params.instance_id,
    at,
    os,
    imageMeta: imageMetaOf(os, services.mapping),
  });
  return { status: 200 };
}

/** Almanach builds image_meta from the body's OS fields and keeps the whitelisted ones. */
function imageMetaOf(os: Os, mapping: MappingOptions): Attributes {
  const given: Attributes = { distro: os.distro, version: os.version, os_type: os.os_type };
  return Object.fromEntries(
    Object.entries(given).filter(([key]) => mapping.imageMetaWhitelist.includes(key)),
  );
}
