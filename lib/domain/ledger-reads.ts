import type { EntityType, EntityVersion } from './entity.ts';
import type { Timeline } from './timeline.ts';
import type { VolumeType } from './volume-type.ts';

// What the API reads of the ledger: ports the store implements (lib/store) and lib/http/services.ts wires
// into the handlers, so HTTP code never sees how versions are stored or how concurrent writes are ordered.

export interface VersionPosition {
  entityId: string;
  index: number;
}

export interface PageRequest {
  limit: number;
  /** Versions strictly after this one, in (entity_id, version index) order. */
  after?: VersionPosition | undefined;
}

export interface VersionPage {
  versions: EntityVersion[];
  /** Where the next page starts, or null on the last page. */
  next: VersionPosition | null;
}

export interface PeriodQuery {
  projectId: string;
  start: Date;
  end: Date;
  entityType?: EntityType | undefined;
}

export interface VersionReads {
  /** Versions of the project overlapping the period; without a page, every match (Almanach's behaviour). */
  overlapping(query: PeriodQuery, page?: PageRequest): Promise<VersionPage>;
  /** Every version overlapping the period, read a batch at a time: the caller bounds what it keeps. */
  eachOverlapping(query: PeriodQuery): AsyncIterable<EntityVersion>;
  overlappingForProjects(projectIds: readonly string[], start: Date, end: Date): Promise<EntityVersion[]>;
  /** Projects with a version overlapping the period, in id order, after `after`. */
  projectsOverlapping(
    start: Date,
    end: Date,
    page: { limit: number; after?: string | undefined },
  ): Promise<{ projectIds: string[]; more: boolean }>;
  versionsOf(entityId: string, page?: PageRequest): Promise<VersionPage>;
  /** Every version of the entity, oldest first, read a batch at a time. */
  eachVersionOf(entityId: string): AsyncIterable<EntityVersion>;
  exists(entityId: string): Promise<boolean>;
  countAll(): Promise<number>;
  countActive(): Promise<number>;
}

/** An entity's history as its newest finished write left it: the running version, and how many there are. */
export interface TimelineReads {
  timelineOf(entityId: string): Promise<Timeline>;
}

export interface VolumeTypeCatalog {
  get(volumeTypeId: string): Promise<VolumeType | null>;
  /** In id order; with a page, at most `limit` types after `after` (and whether more follow). */
  list(page?: { limit: number; after?: string | undefined }): Promise<{ types: VolumeType[]; more: boolean }>;
  /** False when there was no such type. */
  delete(volumeTypeId: string): Promise<boolean>;
}
