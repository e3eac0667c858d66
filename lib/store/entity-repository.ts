import { type AnyBulkWriteOperation, MongoBulkWriteError } from 'mongodb';
import type { EntityType, EntityVersion } from '#domain/entity';
import type { EventKey } from '#domain/fold';
import type { Timeline, VersionChange } from '#domain/timeline';
import { type Collections, type EntityDocument, isDuplicateKeyError } from './collections.ts';
import { fromDocument, toDocument, toStoredVersion, versionDocumentId } from './entity-documents.ts';

export interface Head extends Timeline {
  entityType: EntityType;
  revision: number;
  newest: EventKey | null;
  /** Its writer is still writing the versions of this revision: the next writer waits for it. */
  writing: boolean;
}

/** Below the PostgreSQL pool of FerretDB (see guardedWrite); no cost on MongoDB, which batches anyway. */
const MAX_OPERATIONS_PER_BULK_WRITE = 40;

/** A writer that claimed a revision and has not finished it after this long is taken for dead. */
export const WRITER_STALL_MS = 15_000;

function headDocumentId(entityId: string, revision: number): string {
  return `${entityId}#${revision}`;
}

/**
 * The `entity` collection is a projection of each entity's head. Writers take a new head revision by
 * compare-and-swap (no multi-document transaction needed), then write version documents guarded by that
 * revision, so a slow writer can never overwrite a newer writer's versions, whatever the interleaving.
 */
export class EntityRepository {
  constructor(private readonly collections: Pick<Collections, 'entity' | 'heads'>) {}

  async readHead(entityId: string): Promise<Head | null> {
    const [document] = await this.collections.heads
      .find({ entity_id: entityId })
      .sort({ revision: -1 })
      .limit(1)
      .toArray();
    if (!document) return null;
    return {
      entityType: document.entity_type,
      revision: document.revision,
      count: document.count,
      active: document.active && fromDocument(document.active),
      newest: document.newest,
      writing:
        document.done === false && (document.claimed_at?.getTime() ?? 0) > Date.now() - WRITER_STALL_MS,
    };
  }

  /**
   * The new revision, or null when another writer took it first (re-read and retry). Each revision is a
   * document of its own, claimed by inserting its unique _id: the one write every MongoDB-compatible
   * server makes atomic (a conditional update is not, on FerretDB over PostgreSQL). Old revisions are
   * kept: deleting one would let a stalled writer claim its id again.
   *
   * The revision stays `writing` until `finishRevision`. Claim only from a head that is not writing: the
   * revision guards of the version writes are conditional updates too, so on FerretDB two writers of one
   * entity writing at once could still let the older one's version land last.
   */
  async swapHead(
    entityId: string,
    expectedRevision: number,
    next: Omit<Head, 'revision' | 'writing'>,
  ): Promise<number | null> {
    const revision = expectedRevision + 1;
    try {
      await this.collections.heads.insertOne({
        _id: headDocumentId(entityId, revision),
        entity_id: entityId,
        entity_type: next.entityType,
        revision,
        count: next.count,
        active: next.active && toStoredVersion(next.active),
        newest: next.newest,
        done: false,
        claimed_at: new Date(),
      });
      return revision;
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  /** The versions of `revision` are written: the next writer of the entity may claim its revision. */
  async finishRevision(entityId: string, revision: number): Promise<void> {
    await this.collections.heads.updateOne(
      { _id: headDocumentId(entityId, revision) },
      { $set: { done: true } },
    );
  }

  async writeChanges(entityId: string, revision: number, changes: readonly VersionChange[]): Promise<void> {
    await this.guardedWrite(
      changes.map((change) =>
        change.op === 'put'
          ? this.putOperation(change.version, change.index, revision)
          : {
              deleteOne: {
                filter: { _id: versionDocumentId(entityId, change.index), _revision: { $lt: revision } },
              },
            },
      ),
    );
  }

  async replaceVersions(
    entityId: string,
    revision: number,
    versions: readonly EntityVersion[],
  ): Promise<void> {
    await this.guardedWrite([
      ...versions.map((version, index) => this.putOperation(version, index, revision)),
      this.deleteBeyond(entityId, versions.length, revision),
    ]);
  }

  /**
   * A writer that finished after a newer one may have left versions past the newer head's count:
   * remove them. Every writer runs this after its own writes, so the last one to finish cleans up.
   */
  async sweepSuperseded(entityId: string, revision: number): Promise<void> {
    const head = await this.readHead(entityId);
    if (!head || head.revision === revision) return;
    const { deleteMany } = this.deleteBeyond(entityId, head.count, head.revision);
    await this.collections.entity.deleteMany(deleteMany.filter);
  }

  async versionsOf(entityId: string): Promise<EntityVersion[]> {
    const documents = await this.collections.entity
      .find({ entity_id: entityId })
      .sort({ _version_index: 1 })
      .toArray();
    return documents.map(fromDocument);
  }

  /** Volumes with versions recorded under a volume type id (its name was unknown then). */
  async volumesOfType(volumeTypeId: string): Promise<string[]> {
    return this.collections.entity.distinct('entity_id', {
      entity_type: 'volume',
      volume_type: volumeTypeId,
    });
  }

  private putOperation(
    version: EntityVersion,
    index: number,
    revision: number,
  ): AnyBulkWriteOperation<EntityDocument> {
    const { _id, ...replacement } = toDocument(version, index, revision);
    return { replaceOne: { filter: { _id, _revision: { $lt: revision } }, replacement, upsert: true } };
  }

  private deleteBeyond(entityId: string, count: number, revision: number) {
    return {
      deleteMany: {
        filter: { entity_id: entityId, _version_index: { $gte: count }, _revision: { $lt: revision } },
      },
    };
  }

  /**
   * A guarded upsert fails on the unique _id when the document exists with a newer revision (that loss
   * is the point) but also when another writer inserted it first, possibly an older one: then the write
   * is replayed without upsert, and the revision guard decides. Servers differ on whether an unordered
   * bulk write goes on after an error (FerretDB stops), so on this rare path each write is replayed alone.
   * Long histories go in chunks: FerretDB over PostgreSQL takes a pool connection per operation of a bulk
   * write and stops answering altogether once its pool (50 by default) is used up.
   */
  private async guardedWrite(operations: AnyBulkWriteOperation<EntityDocument>[]): Promise<void> {
    for (let offset = 0; offset < operations.length; offset += MAX_OPERATIONS_PER_BULK_WRITE) {
      const chunk = operations.slice(offset, offset + MAX_OPERATIONS_PER_BULK_WRITE);
      try {
        await this.collections.entity.bulkWrite(chunk, { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw error;
        for (const operation of chunk) await this.replay(operation);
      }
    }
  }

  private async replay(operation: AnyBulkWriteOperation<EntityDocument>): Promise<void> {
    try {
      await this.collections.entity.bulkWrite([operation]);
    } catch (error) {
      if (!onlyDuplicateKeys(error) || !('replaceOne' in operation)) throw error;
      await this.collections.entity.bulkWrite([{ replaceOne: { ...operation.replaceOne, upsert: false } }]);
    }
  }
}

function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.every((writeError) => writeError.code === 11000);
}
