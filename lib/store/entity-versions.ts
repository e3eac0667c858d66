import type { AnyBulkWriteOperation } from 'mongodb';
import type { EntityVersion } from '#domain/entity';
import type { EntityWrite } from '#ingest/ports';
import type { Collections, EntityDocument } from './collections.ts';
import { toDocument, versionDocumentId } from './entity-documents.ts';
import { duplicateIndexes } from './entity-heads.ts';

/**
 * FerretDB over PostgreSQL holds a pool connection per statement of a command while it runs, and stops
 * answering altogether once its pool (50) is used up: a few concurrent writers (Lambda instances) must stay
 * below it together. MongoDB batches anyway, so small commands cost it little.
 */
const MAX_STATEMENTS_PER_COMMAND = 8;

export interface VersionWrites {
  entityId: string;
  revision: number;
  write: Exclude<EntityWrite, { kind: 'none' }>;
  /** Versions stored before this write, as its head said. */
  storedCount: number;
  /** What is stored is unknown (a writer died mid-way): upsert every version, delete every one beyond. */
  takeover: boolean;
}

/**
 * The `entity` collection, written for many entities at once: new versions in one insert, changed and
 * removed ones in bulk statements addressed by _id. The writer holds each entity's claim, so no other
 * writer writes the same documents meanwhile.
 */
export class EntityVersions {
  constructor(private readonly collections: Pick<Collections, 'entity'>) {}

  async write(batch: readonly VersionWrites[]): Promise<void> {
    const inserts: EntityDocument[] = [];
    const statements: AnyBulkWriteOperation<EntityDocument>[] = [];
    for (const writes of batch) {
      const { entityId, revision, storedCount, takeover } = writes;
      const put = (version: EntityVersion, index: number) => {
        const document = toDocument(version, index, revision);
        if (index < storedCount || takeover) statements.push(replacement(document));
        else inserts.push(document);
      };
      if (writes.write.kind === 'changes') {
        for (const change of writes.write.changes) {
          if (change.op === 'put') put(change.version, change.index);
          else statements.push({ deleteOne: { filter: { _id: versionDocumentId(entityId, change.index) } } });
        }
      } else {
        const { versions } = writes.write;
        versions.forEach(put);
        if (takeover)
          statements.push({
            deleteMany: { filter: { entity_id: entityId, _version_index: { $gte: versions.length } } },
          });
        for (let index = versions.length; index < storedCount; index++)
          statements.push({ deleteOne: { filter: { _id: versionDocumentId(entityId, index) } } });
      }
    }
    await this.insert(inserts);
    await this.bulk(statements);
  }

  /** A version found stored already (a write that failed half-way, then retried) is replaced instead. */
  private async insert(documents: EntityDocument[]): Promise<void> {
    if (documents.length === 0) return;
    try {
      await this.collections.entity.insertMany(documents, { ordered: false });
    } catch (error) {
      const duplicates = duplicateIndexes(error);
      if (!duplicates) throw error;
      await this.bulk(duplicates.flatMap((index) => documents[index] ?? []).map(replacement));
    }
  }

  /** One command at a time, of at most MAX_STATEMENTS_PER_COMMAND statements. */
  private async bulk(statements: AnyBulkWriteOperation<EntityDocument>[]): Promise<void> {
    for (let offset = 0; offset < statements.length; offset += MAX_STATEMENTS_PER_COMMAND)
      await this.collections.entity.bulkWrite(statements.slice(offset, offset + MAX_STATEMENTS_PER_COMMAND), {
        ordered: false,
      });
  }
}

function replacement({ _id, ...document }: EntityDocument): AnyBulkWriteOperation<EntityDocument> {
  return { replaceOne: { filter: { _id }, replacement: document, upsert: true } };
}
