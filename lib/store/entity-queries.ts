import type { Filter } from 'mongodb';
import type { EntityVersion } from '#domain/entity';
import type {
  PageRequest,
  PeriodQuery,
  VersionPage,
  VersionPosition,
  VersionReads,
} from '#domain/ledger-reads';
import type { Collections, EntityDocument } from './collections.ts';
import { fromDocument } from './entity-documents.ts';
import { DEFAULT_READ_OPTIONS, type ReadOptions } from './read-options.ts';

const VERSION_ORDER = { entity_id: 1, _version_index: 1 } as const;

/**
 * The API's reads of the `entity` collection. Plain finds with simple filters and sorts only, so they run
 * the same on MongoDB/Atlas and on FerretDB 1.x.
 */
export class EntityQueries implements VersionReads {
  constructor(
    private readonly collections: Pick<Collections, 'entity'>,
    private readonly reads: ReadOptions = DEFAULT_READ_OPTIONS,
  ) {}

  /**
   * Almanach's period overlap: versions of the project that started at or before `end` and are running
   * or ended at or after `start`. Without a page, every match (Almanach's behaviour).
   */
  async overlapping(query: PeriodQuery, page?: PageRequest): Promise<VersionPage> {
    return this.find(overlapFilter(query), page);
  }

  /** Every version overlapping the period, read a batch at a time: the caller bounds what it keeps. */
  eachOverlapping(query: PeriodQuery): AsyncIterable<EntityVersion> {
    return this.each(overlapFilter(query));
  }

  /** Versions of every project overlapping the period, for the given projects only. */
  async overlappingForProjects(
    projectIds: readonly string[],
    start: Date,
    end: Date,
  ): Promise<EntityVersion[]> {
    if (projectIds.length === 0) return [];
    const filter: Filter<EntityDocument> = {
      ...periodFilter(start, end),
      project_id: { $in: [...projectIds] },
    };
    const documents = await this.collections.entity.find(filter, this.reads).sort(VERSION_ORDER).toArray();
    return documents.map(fromDocument);
  }

  /** Projects with at least one version overlapping the period, in id order, after `after`. */
  async projectsOverlapping(start: Date, end: Date, page: { limit: number; after?: string | undefined }) {
    // A $group rather than distinct: FerretDB 1.24 refuses maxTimeMS on distinct.
    const projects = await this.collections.entity
      .aggregate<{ _id: string }>(
        [
          { $match: periodFilter(start, end) },
          { $group: { _id: '$project_id' } },
          ...(page.after === undefined ? [] : [{ $match: { _id: { $gt: page.after } } }]),
          { $sort: { _id: 1 } },
          { $limit: page.limit + 1 },
        ],
        this.reads,
      )
      .toArray();
    const projectIds = projects.map((project) => project._id);
    return { projectIds: projectIds.slice(0, page.limit), more: projectIds.length > page.limit };
  }

  async versionsOf(entityId: string, page?: PageRequest): Promise<VersionPage> {
    return this.find({ entity_id: entityId }, page);
  }

  eachVersionOf(entityId: string): AsyncIterable<EntityVersion> {
    return this.each({ entity_id: entityId });
  }

  async exists(entityId: string): Promise<boolean> {
    return (
      (await this.collections.entity.findOne(
        { entity_id: entityId },
        { ...this.reads, projection: { _id: 1 } },
      )) !== null
    );
  }

  /** From the collection's metadata, not a scan: the whole collection is counted, with no filter. */
  async countAll(): Promise<number> {
    return this.collections.entity.estimatedDocumentCount(this.reads);
  }

  async countActive(): Promise<number> {
    return this.collections.entity.countDocuments({ end: null }, this.reads);
  }

  private async find(filter: Filter<EntityDocument>, page?: PageRequest): Promise<VersionPage> {
    const paged = page ? { $and: [filter, afterFilter(page.after)] } : filter;
    let cursor = this.collections.entity.find(paged, this.reads).sort(VERSION_ORDER);
    if (page) cursor = cursor.limit(page.limit + 1);
    const documents = await cursor.toArray();
    const more = page !== undefined && documents.length > page.limit;
    const kept = more ? documents.slice(0, page?.limit) : documents;
    const last = kept.at(-1);
    return {
      versions: kept.map(fromDocument),
      next: more && last ? { entityId: last.entity_id, index: last._version_index } : null,
    };
  }

  /** Leaving the loop early (a caller's bound) closes the cursor. */
  private async *each(filter: Filter<EntityDocument>): AsyncIterable<EntityVersion> {
    for await (const document of this.collections.entity.find(filter, this.reads).sort(VERSION_ORDER)) {
      yield fromDocument(document);
    }
  }
}

function periodFilter(start: Date, end: Date): Filter<EntityDocument> {
  return { start: { $lte: end }, $or: [{ end: null }, { end: { $gte: start } }] };
}

function overlapFilter({ projectId, start, end, entityType }: PeriodQuery): Filter<EntityDocument> {
  return {
    project_id: projectId,
    ...periodFilter(start, end),
    ...(entityType && { entity_type: entityType }),
  };
}

function afterFilter(after: VersionPosition | undefined): Filter<EntityDocument> {
  if (!after) return {};
  return {
    $or: [
      { entity_id: { $gt: after.entityId } },
      { entity_id: after.entityId, _version_index: { $gt: after.index } },
    ],
  };
}
