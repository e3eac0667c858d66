import { z } from 'zod';
import { formatAlmanachDate } from '#domain/dates';
import type { EntityVersion, InstanceVersion, VolumeVersion } from '#domain/entity';
import type { VolumeType } from '#domain/volume-type';
import type { CsvTable } from './csv.ts';

// Entity versions as Almanach serves them: the field sets of its documented examples (doc/source/
// api_examples/output/*.json), dates as Python prints an aware UTC datetime. The stored `image_meta` is
// not served, as in those examples: Almanach's clients compare whole documents.

const almanachDate = z
  .string()
  .describe('UTC instant as Almanach prints it: 2016-11-24 21:16:47.106000+00:00');

export const instanceJsonSchema = z.object({
  entity_id: z.string(),
  end: almanachDate.nullable(),
  name: z.string().nullable(),
  last_event: almanachDate,
  entity_type: z.literal('instance'),
  start: almanachDate,
  flavor: z.string().nullable(),
  project_id: z.string(),
  os: z.object({
    os_type: z.string().nullable(),
    version: z.string().nullable(),
    distro: z.string().nullable(),
  }),
  metadata: z.record(z.string(), z.unknown()),
});

export const volumeJsonSchema = z.object({
  entity_id: z.string(),
  attached_to: z.array(z.string()),
  end: almanachDate.nullable(),
  name: z.string().nullable(),
  last_event: almanachDate,
  entity_type: z.literal('volume'),
  volume_type: z.string().nullable(),
  start: almanachDate,
  project_id: z.string(),
  size: z.number().int(),
});

export const entityJsonSchema = z.discriminatedUnion('entity_type', [instanceJsonSchema, volumeJsonSchema]);

export const volumeTypeJsonSchema = z.object({ volume_type_id: z.string(), volume_type_name: z.string() });

export const errorJsonSchema = z.object({
  error: z.union([z.string(), z.record(z.string(), z.string())]),
});

export type EntityJson = z.infer<typeof entityJsonSchema>;

export function instanceJson(version: InstanceVersion): z.infer<typeof instanceJsonSchema> {
  return {
    entity_id: version.entity_id,
    end: version.end && formatAlmanachDate(version.end),
    name: version.name,
    last_event: formatAlmanachDate(version.last_event),
    entity_type: 'instance',
    start: formatAlmanachDate(version.start),
    flavor: version.flavor,
    project_id: version.project_id,
    os: { os_type: version.os.os_type, version: version.os.version, distro: version.os.distro },
    metadata: version.metadata,
  };
}

export function volumeJson(version: VolumeVersion): z.infer<typeof volumeJsonSchema> {
  return {
    entity_id: version.entity_id,
    attached_to: version.attached_to,
    end: version.end && formatAlmanachDate(version.end),
    name: version.name,
    last_event: formatAlmanachDate(version.last_event),
    entity_type: 'volume',
    volume_type: version.volume_type,
    start: formatAlmanachDate(version.start),
    project_id: version.project_id,
    size: version.size,
  };
}

export function entityJson(version: EntityVersion): EntityJson {
  return version.entity_type === 'instance' ? instanceJson(version) : volumeJson(version);
}

export function volumeTypeJson(type: VolumeType): z.infer<typeof volumeTypeJsonSchema> {
  return { volume_type_id: type.volume_type_id, volume_type_name: type.volume_type_name };
}

const ENTITY_COLUMNS = [
  'entity_id',
  'entity_type',
  'project_id',
  'name',
  'start',
  'end',
  'last_event',
  'flavor',
  'os_type',
  'os_distro',
  'os_version',
  'volume_type',
  'size',
  'attached_to',
  'metadata',
] as const;

/** One line per version; instance-only and volume-only columns stay empty on the other kind. */
export function entitiesCsv(versions: readonly EntityVersion[]): CsvTable {
  return {
    columns: ENTITY_COLUMNS,
    rows: versions.map((version) => {
      const json = entityJson(version);
      const common = [
        json.entity_id,
        json.entity_type,
        json.project_id,
        json.name,
        json.start,
        json.end,
        json.last_event,
      ];
      return json.entity_type === 'instance'
        ? [
            ...common,
            json.flavor,
            json.os.os_type,
            json.os.distro,
            json.os.version,
            null,
            null,
            null,
            JSON.stringify(json.metadata),
          ]
        : [...common, null, null, null, null, json.volume_type, json.size, json.attached_to.join(' '), null];
    }),
  };
}

export function volumeTypesCsv(types: readonly VolumeType[]): CsvTable {
  return {
    columns: ['volume_type_id', 'volume_type_name'],
    rows: types.map((type) => [type.volume_type_id, type.volume_type_name]),
  };
}
