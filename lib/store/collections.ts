import type { Collection, Db } from 'mongodb';
import type { EntityType, EntityVersion } from '#domain/entity';

/** One document per accepted notification; `event` is the domain event as JSON (keys may hold dots). */
export interface EventDocument {
  _id: string;
  event_type: string;
  entity_id: string | null;
  entity_type: EntityType | null;
  at: Date;
  event: string;
  raw: string;
  received_at: Date;
  applied: boolean;
}

/** An Almanach entity version, addressed by its entity and position, tagged with the revision that wrote it. */
export type EntityDocument = EntityVersion & { _id: string; _version_index: number; _revision: number };

/** One per entity revision (the newest is the head): what the next in-order event needs. */
export interface HeadDocument {
  _id: string;
  entity_id: string;
  entity_type: EntityType;
  revision: number;
  count: number;
  active: EntityVersion | null;
  newest: { at: Date; rank: number; messageId: string } | null;
  /** False while the writer that claimed this revision writes its versions (absent on older documents: done). */
  done?: boolean;
  claimed_at?: Date;
}

export interface VolumeTypeDocument {
  _id: string;
  volume_type_id: string;
  volume_type_name: string;
}

export interface Collections {
  events: Collection<EventDocument>;
  entity: Collection<EntityDocument>;
  heads: Collection<HeadDocument>;
  volumeTypes: Collection<VolumeTypeDocument>;
}

export function collectionsOf(db: Db): Collections {
  return {
    events: db.collection<EventDocument>('events'),
    entity: db.collection<EntityDocument>('entity'),
    heads: db.collection<HeadDocument>('entity_head'),
    volumeTypes: db.collection<VolumeTypeDocument>('volume_type'),
  };
}

/** Idempotent, run at start-up: there is no separate migration step. */
export async function ensureIndexes({ events, entity, heads }: Collections): Promise<void> {
  await Promise.all([
    heads.createIndex({ entity_id: 1, revision: -1 }, { name: 'head_by_entity' }),
    events.createIndex({ entity_id: 1, at: 1 }, { name: 'events_by_entity' }),
    entity.createIndex({ entity_id: 1, _version_index: 1 }, { name: 'entity_versions' }),
    entity.createIndex({ project_id: 1, entity_type: 1, start: 1 }, { name: 'entity_by_project_period' }),
    entity.createIndex({ end: 1 }, { name: 'entity_by_end' }),
  ]);
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;
}
