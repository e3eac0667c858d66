import { z } from 'zod';
import type { Attributes, Os } from './entity.ts';
import type { EntityEvent } from './events.ts';
import { fromZodError, lenientDate, type Notification, optionalLenientDate } from './notification.ts';
import { identifier, wholeNumber } from './values.ts';

/** Which parts of Nova's payload we keep: Almanach's whitelists and the image properties naming the OS. */
export interface MappingOptions {
  instanceMetadataWhitelist: readonly string[];
  imageMetaWhitelist: readonly string[];
  osKeys: { osType: string; distro: string; version: string };
}

export type MappedNotification =
  | { type: 'entity'; event: EntityEvent }
  | { type: 'volume_type'; volumeType: { id: string; name: string } }
  | { type: 'ignored'; eventType: string };

const id = identifier;
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? null);
const attributes = z
  .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
  .nullish()
  .transform((value): Attributes => (value && !Array.isArray(value) ? value : {}));
const size = wholeNumber;

const attachment = z.looseObject({
  instance_uuid: z.string().nullish(),
  attach_status: z.string().nullish(),
});
const attachmentsPayload = z.looseObject({
  volume_id: id,
  volume_attachment: z.array(attachment).nullish(),
  instance_uuid: z.string().nullish(),
});

const payloads = {
  instanceCreate: z.looseObject({
    instance_id: id,
    tenant_id: id,
    created_at: lenientDate,
    hostname: text,
    display_name: text,
    instance_type: text,
    image_meta: attributes,
    metadata: attributes,
  }),
  instanceDelete: z.looseObject({
    instance_id: id,
    terminated_at: optionalLenientDate,
    deleted_at: optionalLenientDate,
    created_at: optionalLenientDate,
    state: text,
  }),
  instanceResize: z.looseObject({ instance_id: id, instance_type: text }),
  instanceRebuild: z.looseObject({ instance_id: id, image_meta: attributes }),
  volumeCreate: z.looseObject({
    volume_id: id,
    tenant_id: id,
    created_at: lenientDate,
    display_name: text,
    volume_type: text,
    size,
  }),
  volumeId: z.looseObject({ volume_id: id }),
  volumeResize: z.looseObject({ volume_id: id, size }),
  volumeRename: z.looseObject({ volume_id: id, display_name: text }),
  volumeExists: z.looseObject({
    volume_id: id,
    display_name: text,
    tenant_id: z.string().nullish(),
    created_at: optionalLenientDate,
    volume_type: text,
    size: size.nullish(),
    volume_attachment: z.array(attachment).nullish(),
    instance_uuid: z.string().nullish(),
  }),
  volumeTypeCreate: z.looseObject({ volume_types: z.looseObject({ id, name: z.string() }) }),
};

type Mapper = (notification: Notification, options: MappingOptions) => MappedNotification;

const entity = (event: EntityEvent): MappedNotification => ({ type: 'entity', event });

/** The twelve event types Almanach handles; every other event type is acknowledged and ignored. */
const mappers: Record<string, Mapper> = {
  'compute.instance.create.end': (n, options) => {
    const p = parsePayload(payloads.instanceCreate, n);
    return entity({
      kind: 'instance.created',
      entityId: p.instance_id,
      at: p.created_at,
      projectId: p.tenant_id,
      name: p.hostname ?? p.display_name,
      flavor: p.instance_type,
      os: osFrom(p.image_meta, options),
      imageMeta: pick(p.image_meta, options.imageMetaWhitelist),
      metadata: pick(p.metadata, options.instanceMetadataWhitelist),
    });
  },
  'compute.instance.delete.end': (n) => {
    const p = parsePayload(payloads.instanceDelete, n);
    return entity({
      kind: 'instance.deleted',
      entityId: p.instance_id,
      at: p.terminated_at ?? p.deleted_at ?? n.timestamp,
      state: p.state,
      createdAt: p.created_at ?? null,
      deletedAt: p.deleted_at ?? p.terminated_at ?? null,
    });
  },
  'compute.instance.resize.confirm.end': (n) => {
    const p = parsePayload(payloads.instanceResize, n);
    return entity({
      kind: 'instance.resized',
      entityId: p.instance_id,
      at: n.timestamp,
      flavor: p.instance_type,
    });
  },
  'compute.instance.rebuild.end': (n, options) => {
    const p = parsePayload(payloads.instanceRebuild, n);
    return entity({
      kind: 'instance.rebuilt',
      entityId: p.instance_id,
      at: n.timestamp,
      os: osFrom(p.image_meta, options),
      imageMeta: pick(p.image_meta, options.imageMetaWhitelist),
    });
  },
  'volume.create.end': (n) => {
    const p = parsePayload(payloads.volumeCreate, n);
    return entity({
      kind: 'volume.created',
      entityId: p.volume_id,
      at: p.created_at,
      projectId: p.tenant_id,
      name: p.display_name,
      volumeTypeId: p.volume_type,
      size: p.size,
    });
  },
  'volume.delete.end': (n) => {
    const p = parsePayload(payloads.volumeId, n);
    return entity({ kind: 'volume.deleted', entityId: p.volume_id, at: n.timestamp });
  },
  'volume.resize.end': (n) => {
    const p = parsePayload(payloads.volumeResize, n);
    return entity({ kind: 'volume.resized', entityId: p.volume_id, at: n.timestamp, size: p.size });
  },
  'volume.attach.end': (n) => attachmentsChanged('volume.attached', n),
  'volume.detach.end': (n) => attachmentsChanged('volume.detached', n),
  'volume.update.end': (n) => {
    const p = parsePayload(payloads.volumeRename, n);
    return entity({ kind: 'volume.renamed', entityId: p.volume_id, at: n.timestamp, name: p.display_name });
  },
  'volume.exists': (n) => {
    const p = parsePayload(payloads.volumeExists, n);
    const canBackfill = p.tenant_id && p.created_at && p.size !== undefined && p.size !== null;
    return entity({
      kind: 'volume.existed',
      entityId: p.volume_id,
      at: n.timestamp,
      name: p.display_name,
      backfill: canBackfill
        ? {
            projectId: p.tenant_id as string,
            start: p.created_at as Date,
            volumeTypeId: p.volume_type,
            size: p.size as number,
            attachments: attachedInstances(p),
          }
        : null,
    });
  },
  'volume_type.create': (n) => {
    const { volume_types } = parsePayload(payloads.volumeTypeCreate, n);
    return { type: 'volume_type', volumeType: { id: volume_types.id, name: volume_types.name } };
  },
};

export const HANDLED_EVENT_TYPES: readonly string[] = Object.keys(mappers);

export function mapNotification(notification: Notification, options: MappingOptions): MappedNotification {
  const mapper = mappers[notification.event_type];
  return mapper ? mapper(notification, options) : { type: 'ignored', eventType: notification.event_type };
}

function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  notification: Notification,
): z.output<Schema> {
  const parsed = schema.safeParse(notification.payload);
  if (!parsed.success) throw fromZodError(parsed.error, 'payload');
  return parsed.data;
}

function attachmentsChanged(
  kind: 'volume.attached' | 'volume.detached',
  n: Notification,
): MappedNotification {
  const p = parsePayload(attachmentsPayload, n);
  return entity({ kind, entityId: p.volume_id, at: n.timestamp, attachments: attachedInstances(p) });
}

/**
 * Newer Cinder lists every attachment in `volume_attachment`; older Cinder names the single instance in
 * `instance_uuid` (null once detached). Attachments already marked detached are not attachments.
 */
function attachedInstances(p: z.output<typeof attachmentsPayload>): string[] {
  if (p.volume_attachment) {
    return p.volume_attachment
      .filter((a) => a.attach_status !== 'detached')
      .flatMap((a) => (a.instance_uuid ? [a.instance_uuid] : []));
  }
  return p.instance_uuid ? [p.instance_uuid] : [];
}

function osFrom(imageMeta: Attributes, { osKeys }: MappingOptions): Os {
  return {
    os_type: scalarText(imageMeta[osKeys.osType]),
    distro: scalarText(imageMeta[osKeys.distro]),
    version: scalarText(imageMeta[osKeys.version]),
  };
}

function scalarText(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

function pick(source: Attributes, whitelist: readonly string[]): Attributes {
  return Object.fromEntries(whitelist.filter((key) => key in source).map((key) => [key, source[key]]));
}
