import type { EntityType, EntityVersion } from '#domain/entity';
import type { EntityEvent, RecordedEvent } from '#domain/events';
import type { EventKey } from '#domain/fold';
import type { LoggedEvent } from '#domain/logged-event';
import type { Outcome, Timeline } from '#domain/timeline';
import type { VolumeType } from '#domain/volume-type';

/**
 * What the ingest pipeline needs from a store, in batches: the pipeline decides what an entity becomes
 * (pure planning), the store owns how that is written safely (claims, version writes, retries, pruning).
 * The MongoDB store implements it for Atlas and FerretDB alike; an in-memory one runs the unit tests.
 */
export interface IngestPorts {
  /**
   * Logs each notification once under its message_id, in one write. `logged` are the ones the log held
   * already (a redelivery); `failed` could not be written (the caller must not acknowledge them).
   */
  appendEvents(entries: readonly LogEntry[]): Promise<AppendResult>;
  /** Plans and writes each entity (see EntityPlanner); one result per entity, never a throw for one entity. */
  writeEntities(planners: ReadonlyMap<string, EntityPlanner>): Promise<Map<string, EntityWriteResult>>;
  /** Names of the known volume types among `ids`. `fresh` bypasses any cache. */
  volumeTypeNames(ids: readonly string[], options?: { fresh?: boolean }): Promise<Map<string, string>>;
  saveVolumeTypes(types: readonly VolumeType[]): Promise<void>;
  /** Volumes with versions recorded under a volume type id (the type was unknown then). */
  volumesOfType(volumeTypeId: string): Promise<string[]>;
}

/** A notification as logged: an entity event (re-folded later), or the details of anything else. */
export type LogEntry = LoggedEvent & ({ entityEvent: EntityEvent } | { details: unknown });

export interface AppendResult {
  logged: Set<string>;
  failed: Map<string, Error>;
}

/** An entity's state as of its newest finished write: what the next in-order event needs. */
export interface EntityHead extends Timeline {
  entityType: EntityType;
  revision: number;
  /** The greatest event key folded into this state. */
  newest: EventKey | null;
  /** How many distinct events were folded into this state. */
  events: number;
}

export type HeadState = Omit<EntityHead, 'revision'>;

export type EntityWrite =
  | { kind: 'none' }
  /** Index-addressed changes relative to the head planned on (each index once). */
  | { kind: 'changes'; next: HeadState; changes: readonly VersionWrite[] }
  /** The entity's whole history, replacing what is stored. */
  | { kind: 'rewrite'; next: HeadState; versions: readonly EntityVersion[] };

export type VersionWrite =
  | { op: 'put'; index: number; version: EntityVersion }
  | { op: 'remove'; index: number };

export interface EntityPlan {
  write: EntityWrite;
  /** What each event of the request came to, by message_id. */
  outcomes: Map<string, EventOutcome>;
}

export type EventOutcome = (Outcome | { status: 'duplicate' }) & { late: boolean };

/**
 * Decides an entity's write from its head (null: no write yet) and, once it asked for it ('needs-history'),
 * every event the log holds for it. Pure and repeatable: the store calls it again after a conflict.
 */
export interface EntityPlanner {
  plan(
    head: EntityHead | null,
    history: readonly RecordedEvent[] | null,
  ): Promise<EntityPlan | 'needs-history'>;
  /** The events include the entity's creation: with no head known, try it as a new entity first. */
  creates: boolean;
}

export type EntityWriteResult = { ok: true; plan: EntityPlan } | { ok: false; error: Error };
