import { z } from 'zod';

/**
 * An entity version exactly as Almanach stores and serves it: one document per version, where a resize,
 * a rebuild or an attachment change closes the running version and opens the next one.
 */
export const osSchema = z.object({
  os_type: z.string().nullable(),
  distro: z.string().nullable(),
  version: z.string().nullable(),
});

export const attributesSchema = z.record(z.string(), z.unknown());

const versionFields = {
  entity_id: z.string(),
  project_id: z.string(),
  start: z.coerce.date(),
  end: z.coerce.date().nullable(),
  last_event: z.coerce.date(),
  name: z.string().nullable(),
};

export const instanceVersionSchema = z.object({
  ...versionFields,
  entity_type: z.literal('instance'),
  flavor: z.string().nullable(),
  os: osSchema,
  metadata: attributesSchema,
  image_meta: attributesSchema,
});

export const volumeVersionSchema = z.object({
  ...versionFields,
  entity_type: z.literal('volume'),
  volume_type: z.string().nullable(),
  size: z.number().int(),
  attached_to: z.array(z.string()),
});

export const entityVersionSchema = z.discriminatedUnion('entity_type', [
  instanceVersionSchema,
  volumeVersionSchema,
]);

export type Os = z.infer<typeof osSchema>;
export type Attributes = z.infer<typeof attributesSchema>;
export type InstanceVersion = z.infer<typeof instanceVersionSchema>;
export type VolumeVersion = z.infer<typeof volumeVersionSchema>;
export type EntityVersion = z.infer<typeof entityVersionSchema>;
export type EntityType = EntityVersion['entity_type'];

export function sameOs(a: Os, b: Os): boolean {
  return a.os_type === b.os_type && a.distro === b.distro && a.version === b.version;
}
