import { z } from 'zod';
import { attributesSchema, osSchema } from './entity.ts';

/**
 * What a notification means for one entity. Each event carries `at`, the instant it takes effect
 * (created_at for a creation, terminated_at for an instance deletion, the message timestamp otherwise,
 * as Almanach reads them); an entity's versions are the fold of its events in `at` order.
 * The schemas double as the storage format of the event log, so dates coerce back from JSON.
 */
const entityEventFields = { entityId: z.string().min(1), at: z.coerce.date() };

export const instanceCreatedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('instance.created'),
  projectId: z.string(),
  name: z.string().nullable(),
  flavor: z.string().nullable(),
  os: osSchema,
  imageMeta: attributesSchema,
  metadata: attributesSchema,
});

export const instanceDeletedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('instance.deleted'),
  state: z.string().nullable(),
  createdAt: z.coerce.date().nullable(),
  deletedAt: z.coerce.date().nullable(),
});

export const instanceResizedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('instance.resized'),
  flavor: z.string().nullable(),
});

export const instanceRebuiltSchema = z.object({
  ...entityEventFields,
  kind: z.literal('instance.rebuilt'),
  os: osSchema,
  imageMeta: attributesSchema,
});

export const volumeCreatedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('volume.created'),
  projectId: z.string(),
  name: z.string().nullable(),
  volumeTypeId: z.string().nullable(),
  size: z.number().int(),
  /** Instances the volume is attached to from its creation: only the API's create carries them. */
  attachments: z.array(z.string()).optional(),
});

export const volumeDeletedSchema = z.object({ ...entityEventFields, kind: z.literal('volume.deleted') });

export const volumeResizedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('volume.resized'),
  size: z.number().int(),
});

export const volumeAttachmentsChangedSchema = z.object({
  ...entityEventFields,
  kind: z.enum(['volume.attached', 'volume.detached']),
  attachments: z.array(z.string()),
});

export const volumeRenamedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('volume.renamed'),
  name: z.string().nullable(),
});

/** volume.exists: a rename, and (beyond Almanach) enough to backfill a volume we never saw created. */
export const volumeExistedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('volume.existed'),
  name: z.string().nullable(),
  backfill: z
    .object({
      projectId: z.string(),
      start: z.coerce.date(),
      volumeTypeId: z.string().nullable(),
      size: z.number().int(),
      attachments: z.array(z.string()),
    })
    .nullable(),
});

/**
 * Beyond notifications: Almanach's PUT /entity/instance/{id} amends one version in place. The API resolves
 * which one when the request arrives (the running version, or the one closed version within a period)
 * and the event names it by its start: `at` is the request's instant, so the update folds after the
 * history it was made against, and still finds its version when a late event re-folds the entity.
 */
export const instanceChangesSchema = z.object({
  name: z.string().optional(),
  flavor: z.string().optional(),
  os: osSchema.optional(),
  metadata: attributesSchema.optional(),
  start: z.coerce.date().optional(),
  end: z.coerce.date().optional(),
});

export const instanceUpdatedSchema = z.object({
  ...entityEventFields,
  kind: z.literal('instance.updated'),
  versionStart: z.coerce.date(),
  changes: instanceChangesSchema,
});

export const entityEventSchema = z.discriminatedUnion('kind', [
  instanceCreatedSchema,
  instanceDeletedSchema,
  instanceResizedSchema,
  instanceRebuiltSchema,
  instanceUpdatedSchema,
  volumeCreatedSchema,
  volumeDeletedSchema,
  volumeResizedSchema,
  volumeAttachmentsChangedSchema,
  volumeRenamedSchema,
  volumeExistedSchema,
]);

export type EntityEvent = z.infer<typeof entityEventSchema>;
export type EntityEventKind = EntityEvent['kind'];
export type InstanceEvent = Extract<EntityEvent, { kind: `instance.${string}` }>;
export type InstanceUpdated = z.infer<typeof instanceUpdatedSchema>;
export type InstanceChanges = z.infer<typeof instanceChangesSchema>;
export type VolumeEvent = Extract<EntityEvent, { kind: `volume.${string}` }>;

export function entityTypeOf(event: EntityEvent): 'instance' | 'volume' {
  return event.kind.startsWith('instance.') ? 'instance' : 'volume';
}

/** An event as the fold sees it: the notification's message_id identifies it and breaks ties. */
export interface RecordedEvent {
  messageId: string;
  event: EntityEvent;
}
