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
}

/** An Almanach entity version, addressed by its entity and position, tagged with the revision that wrote it. */
export type EntityDocument = EntityVersion & { _id: string; _version_index: number; _revision: number };

/**
 * One per claimed write of an entity (`<entity_id>#<revision>`), holding the state that write leaves: the
 * newest revision is the head. Claimed by inserting its unique _id, the one write every MongoDB-compatible
 * server makes atomic (and the only one FerretDB 1.x serves from an index).
 */
export interface HeadDocument {
  _id: string;
  entity_id: string;
  entity_type: EntityType;
  revision: number;
  count: number;
  active: EntityVersion | null;
  newest: { at: Date; rank: number; messageId: string } | null;
  /** Distinct events folded into this state (absent on documents of older releases). */
  events?: number;
  claimed_at: Date;
  /** Earlier revisions (from 2 on) not pruned yet, with their claim times. */
  unpruned?: { revision: number; claimed_at: Date }[];
}

/** `<entity_id>#<revision>:done`: that revision's versions are written; the next writer may claim. */
export interface DoneDocument {
  _id: string;
  entity_id: string;
  done: number;
}

export interface VolumeTypeDocument {
  _id: string;
  volume_type_id: string;
  volume_type_name: string;
}

export interface Collections {
  events: Collection<EventDocument>;
  entity: Collection<EntityDocument>;
  heads: Collection<HeadDocument | DoneDocument>;
  volumeTypes: Collection<VolumeTypeDocument>;
}

export function collectionsOf(db: Db): Collections {
  return {
    events: db.collection<EventDocument>('events'),
    entity: db.collection<EntityDocument>('entity'),
    heads: db.collection<HeadDocument | DoneDocument>('entity_head'),
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
