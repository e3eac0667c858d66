import type { EntityHead, HeadState } from '#ingest/ports';
import {
  type Collections,
  type DoneDocument,
  type HeadDocument,
  isDuplicateKeyError,
} from './collections.ts';
import { fromDocument, toStoredVersion } from './entity-documents.ts';
import { DEFAULT_READ_OPTIONS, type ReadOptions } from './read-options.ts';

/** An entity's newest claim as read from the store. */
export interface HeadReading {
  head: EntityHead;
  /** Its writer has not marked it done. */
  unfinished: boolean;
  claimedAt: Date;
  unpruned: Unpruned;
}

export type Unpruned = readonly { revision: number; claimed_at: Date }[];

export function headDocumentId(entityId: string, revision: number): string {
  return `${entityId}#${revision}`;
}

function doneDocumentId(entityId: string, revision: number): string {
  return `${headDocumentId(entityId, revision)}:done`;
}

export interface Claim {
  entityId: string;
  revision: number;
  next: HeadState;
  /** Revisions (from 2 on) still stored once this claim is finished, its own included. */
  unpruned: Unpruned;
  /** Superseded revisions this claim removes when it finishes. */
  pruned: readonly number[];
}

/**
 * The `entity_head` collection: one insert-only document per claimed write of an entity, and one per write
 * finished. Every write here is an insert (cheap on every server, and atomic on its unique _id); the reads
 * happen only for entities a writer has no fresh knowledge of.
 */
export class EntityHeads {
  constructor(
    private readonly collections: Pick<Collections, 'heads'>,
    private readonly reads: ReadOptions = DEFAULT_READ_OPTIONS,
  ) {}

  /** The newest claim of each entity (absent: never written), in one read. */
  async read(entityIds: readonly string[]): Promise<Map<string, HeadReading>> {
    if (entityIds.length === 0) return new Map();
    const documents = await this.collections.heads
      .find(
        entityIds.length === 1 ? { entity_id: entityIds[0] } : { entity_id: { $in: [...entityIds] } },
        this.reads,
      )
      .toArray();
    const newest = new Map<string, HeadDocument>();
    const done = new Set<string>();
    for (const document of documents) {
      if (isDone(document)) done.add(headDocumentId(document.entity_id, document.done));
      else if ((newest.get(document.entity_id)?.revision ?? 0) < document.revision)
        newest.set(document.entity_id, document);
    }
    return new Map(
      [...newest].map(([entityId, document]) => [
        entityId,
        {
          head: headOf(document),
          unfinished: !done.has(document._id),
          claimedAt: document.claimed_at,
          unpruned: document.unpruned ?? [],
        },
      ]),
    );
  }

  /**
   * Inserts each claim's document; returns the entities whose revision was taken already (by a writer that
   * got there first: re-read and retry). Any other failure throws.
   */
  async claim(claims: readonly Claim[], now: Date): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const documents = claims.map((claim) => claimDocument(claim, now));
    try {
      await this.collections.heads.insertMany(documents, { ordered: false });
      return new Set();
    } catch (error) {
      const indexes = duplicateIndexes(error);
      if (!indexes) throw error;
      return new Set(indexes.map((index) => documents[index]?.entity_id ?? ''));
    }
  }

  /** Marks the claims done, and removes the revisions they superseded long enough ago. */
  async finish(claims: readonly Claim[]): Promise<void> {
    if (claims.length === 0) return;
    const markers: DoneDocument[] = claims.map(({ entityId, revision }) => ({
      _id: doneDocumentId(entityId, revision),
      entity_id: entityId,
      done: revision,
    }));
    try {
      await this.collections.heads.insertMany(markers, { ordered: false });
    } catch (error) {
      // A marker inserted already (a repeated finish) is as good as ours.
      if (!duplicateIndexes(error)) throw error;
    }
    const pruned = claims.flatMap(({ entityId, pruned }) =>
      pruned.flatMap((revision) => [headDocumentId(entityId, revision), doneDocumentId(entityId, revision)]),
    );
    if (pruned.length > 0) await this.collections.heads.deleteMany({ _id: { $in: pruned } });
  }
}

/**
 * Which earlier revisions a claim of `revision` at `now` removes: those claimed more than `pruneAfterMs`
 * ago. No writer can still aim at them (a writer claims the revision after the newest it knows within its
 * knowledge's lifetime, far shorter), while keeping them all would grow the collection by one per write.
 * Revision 1 is never removed: a writer that takes an entity for new claims it blindly.
 */
export function pruneSchedule(
  previous: Unpruned,
  revision: number,
  now: Date,
  pruneAfterMs: number,
): Pick<Claim, 'unpruned' | 'pruned'> {
  const old = (entry: Unpruned[number]) => entry.claimed_at.getTime() < now.getTime() - pruneAfterMs;
  const earlier = previous.filter((entry) => entry.revision < revision);
  return {
    unpruned: [
      ...earlier.filter((entry) => !old(entry)),
      ...(revision >= 2 ? [{ revision, claimed_at: now }] : []),
    ],
    pruned: earlier.filter(old).map((entry) => entry.revision),
  };
}

function claimDocument(claim: Claim, now: Date): HeadDocument {
  const { next } = claim;
  return {
    _id: headDocumentId(claim.entityId, claim.revision),
    entity_id: claim.entityId,
    entity_type: next.entityType,
    revision: claim.revision,
    count: next.count,
    active: next.active && toStoredVersion(next.active),
    newest: next.newest,
    events: next.events,
    claimed_at: now,
    unpruned: [...claim.unpruned],
  };
}

function headOf(document: HeadDocument): EntityHead {
  return {
    entityType: document.entity_type,
    revision: document.revision,
    count: document.count,
    active: document.active && fromDocument(document.active),
    newest: document.newest,
    // Documents of older releases did not count: a count that can match no log forces a re-fold.
    events: document.events ?? -1,
  };
}

function isDone(document: HeadDocument | DoneDocument): document is DoneDocument {
  return 'done' in document && typeof document.done === 'number';
}

/** The positions of the documents refused as duplicates, or null when anything else failed. */
export function duplicateIndexes(error: unknown): number[] | null {
  if (!isDuplicateKeyError(error) && !hasWriteErrors(error)) return null;
  const writeErrors = hasWriteErrors(error) ? [error.writeErrors].flat() : [];
  if (writeErrors.length === 0) return null;
  if (!writeErrors.every((writeError) => writeError.code === 11000)) return null;
  return writeErrors.map((writeError) => writeError.index);
}

function hasWriteErrors(
  error: unknown,
): error is { writeErrors: { code: number; index: number } | { code: number; index: number }[] } {
  return typeof error === 'object' && error !== null && 'writeErrors' in error;
}
