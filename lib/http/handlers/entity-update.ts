import { z } from 'zod';
import type { InstanceVersion } from '#domain/entity';
import type { InstanceChanges } from '#domain/events';
import { closedVersionsWithin } from '#domain/update-rules';
import { isUpdateDatetime, parseBodyDate, parseQueryDate } from '../almanach-dates.ts';
import { type BodySpec, jsonObject } from '../body.ts';
import {
  EntityNotFoundError,
  InvalidAttributesError,
  InvalidPayloadError,
  MultipleEntitiesError,
} from '../errors.ts';
import type { ApiResult } from '../route-spec.ts';
import type { ContextOf } from '../route-table.ts';
import { instanceJson } from '../serialize.ts';
import type { ApiServices } from '../services.ts';
import { recordApiEvent } from './record.ts';

const text = z.string().describe('New value');
const os = z.object({
  distro: z.string().describe('OS distribution'),
  version: z.string().describe('OS version'),
  os_type: z.string().describe('OS type'),
});
const updateDatetime = z
  .string()
  .describe('New instant, as %Y-%m-%dT%H:%M:%S.%fZ (e.g. 2016-04-14T18:30:00.00Z)');

export const updateInstanceBodySchema = z.strictObject({
  name: text.optional(),
  flavor: text.optional(),
  os: os.optional(),
  metadata: z.record(z.string(), z.unknown()).optional().describe('New instance metadata'),
  start_date: updateDatetime.optional().describe('New start of the version'),
  end_date: updateDatetime.optional().describe('New end of the version'),
});

export interface UpdateRequest {
  fields: Record<string, unknown>;
}

export const updateInstanceBody: BodySpec<UpdateRequest> = {
  schema: updateInstanceBodySchema,
  parse(body, query) {
    const fields = jsonObject(body);
    if (query.has('start')) {
      // Python would fail binding these keyword arguments twice: Almanach's TypeError.
      if (['start', 'end', 'instance_id'].some((key) => key in fields)) throw new InvalidPayloadError();
    } else {
      const errors = voluptuousErrors(fields);
      if (Object.keys(errors).length > 0) throw new InvalidAttributesError(errors);
    }
    return { fields };
  },
};

/**
 * PUT /entity/instance/{id}, Almanach's two behaviours:
 * - without `start` in the query, the running version is updated, after the body passed Almanach's
 *   voluptuous schema (an unknown key or a wrong type → 400 naming each field);
 * - with `start` (and optionally `end`), the one closed version lying in [start, end] is updated, the
 *   body unchecked beyond what Python would trip on.
 * Only fields given with a non-empty value change anything (Almanach tests them for truth).
 */
export async function updateInstanceEntity({
  params,
  query,
  body,
  request,
  services,
}: ContextOf<'updateInstanceEntity'>): Promise<ApiResult> {
  const entityId = params.instance_id;
  const { index, version } =
    query.start === undefined
      ? await runningVersion(services, entityId)
      : await closedVersion(services, entityId, query.start, query.end);
  await recordApiEvent(services, request, 'api.instance.update', body.fields, {
    kind: 'instance.updated',
    entityId,
    at: services.now(),
    versionStart: version.start,
    changes: changesOf(body.fields),
  });
  const updated = (await services.queries.versionsOf(entityId)).versions[index];
  if (updated?.entity_type !== 'instance') throw new EntityNotFoundError(`Entity ${entityId} not found`);
  return { status: 200, json: instanceJson(updated) };
}

interface Target {
  index: number;
  version: InstanceVersion;
}

async function runningVersion(services: ApiServices, entityId: string): Promise<Target> {
  const { count, active } = await services.timelines.timelineOf(entityId);
  if (active?.entity_type !== 'instance') throw new EntityNotFoundError(`Entity ${entityId} not found`);
  return { index: count - 1, version: active };
}

async function closedVersion(
  services: ApiServices,
  entityId: string,
  startText: string,
  endText: string | undefined,
): Promise<Target> {
  const start = parseQueryDate(startText, 'up');
  const end = endText === undefined ? services.now() : parseQueryDate(endText, 'down');
  const { versions } = await services.queries.versionsOf(entityId);
  const [match, ...others] = closedVersionsWithin(versions, start, end);
  if (!match) throw new EntityNotFoundError(`InstanceId: ${entityId} Not Found with start`);
  if (others.length > 0) throw new MultipleEntitiesError();
  return match;
}

/** Almanach's `_transform_attribute_to_match_entity_attribute`: only truthy values are applied. */
function changesOf(fields: Record<string, unknown>): InstanceChanges {
  const changes: InstanceChanges = {};
  if (isFilledText(fields.name)) changes.name = fields.name;
  if (isFilledText(fields.flavor)) changes.flavor = fields.flavor;
  const parsedOs = os.safeParse(fields.os);
  if (parsedOs.success) changes.os = parsedOs.data;
  else if (fields.os) throw new InvalidPayloadError('os');
  const metadata = z.record(z.string(), z.unknown()).safeParse(fields.metadata);
  if (metadata.success && Object.keys(metadata.data).length > 0) changes.metadata = metadata.data;
  else if (fields.metadata && !metadata.success) throw new InvalidPayloadError('metadata');
  if (fields.start_date) changes.start = parseBodyDate(fields.start_date);
  if (fields.end_date) changes.end = parseBodyDate(fields.end_date);
  return changes;
}

function isFilledText(value: unknown): value is string {
  if (value !== undefined && value !== null && typeof value !== 'string') throw new InvalidPayloadError();
  return typeof value === 'string' && value.length > 0;
}

/** The messages voluptuous (Python 2, as Almanach ran) gives for each field, keyed by top-level field. */
function voluptuousErrors(fields: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    const message = fieldError(key, value);
    if (message) errors[key] = message;
  }
  return errors;
}

function fieldError(key: string, value: unknown): string | undefined {
  switch (key) {
    case 'name':
    case 'flavor':
      return typeof value === 'string' ? undefined : 'expected unicode';
    case 'metadata':
      return isPlainObject(value) ? undefined : 'expected dict';
    case 'start_date':
    case 'end_date':
      return isUpdateDatetime(value)
        ? undefined
        : 'value does not match expected format %Y-%m-%dT%H:%M:%S.%fZ';
    case 'os':
      return osError(value);
    default:
      return 'extra keys not allowed';
  }
}

function osError(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'expected a dictionary';
  for (const key of Object.keys(value)) {
    if (!['distro', 'version', 'os_type'].includes(key)) return 'extra keys not allowed';
  }
  for (const key of ['distro', 'version', 'os_type']) {
    if (!(key in value)) return 'required key not provided';
    if (typeof value[key] !== 'string') return 'expected unicode';
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
