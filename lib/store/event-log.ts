import { entityEventSchema, entityTypeOf, type RecordedEvent } from '#domain/events';
import type { AppendResult, LogEntry } from '#ingest/ports';
import { asError } from '#observability/thrown';
import type { Collections, EventDocument } from './collections.ts';
import { duplicateIndexes } from './entity-heads.ts';
import { DEFAULT_READ_OPTIONS, type ReadOptions } from './read-options.ts';

/** The `events` collection: every accepted notification once, for audit and for re-folds. */
export class EventLog {
  constructor(
    private readonly collections: Pick<Collections, 'events'>,
    private readonly reads: ReadOptions = DEFAULT_READ_OPTIONS,
  ) {}

  /** One unordered insert for the whole batch: a duplicate _id is a redelivery, not a failure. */
  async append(entries: readonly LogEntry[]): Promise<AppendResult> {
    const result: AppendResult = { logged: new Set(), failed: new Map() };
    if (entries.length === 0) return result;
    const documents = entries.map(documentOf);
    try {
      await this.collections.events.insertMany(documents, { ordered: false });
    } catch (error) {
      const duplicates = duplicateIndexes(error);
      if (!duplicates) {
        const failure = asError(error);
        for (const document of documents) result.failed.set(document._id, failure);
        return result;
      }
      for (const index of duplicates) {
        const document = documents[index];
        if (document) result.logged.add(document._id);
      }
    }
    return result;
  }

  /** Every logged event of these entities, by entity, for full re-folds (the fold sorts them). */
  async historiesOf(entityIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const histories = new Map<string, RecordedEvent[]>(entityIds.map((id) => [id, []]));
    if (entityIds.length === 0) return histories;
    const documents = await this.collections.events
      .find(entityIds.length === 1 ? { entity_id: entityIds[0] } : { entity_id: { $in: [...entityIds] } }, {
        ...this.reads,
        projection: { event: 1, entity_id: 1 },
      })
      .toArray();
    for (const document of documents) {
      if (!document.entity_id) continue;
      histories.get(document.entity_id)?.push({
        messageId: document._id,
        event: entityEventSchema.parse(JSON.parse(document.event)),
      });
    }
    return histories;
  }
}

function documentOf(entry: LogEntry): EventDocument {
  const entityEvent = 'entityEvent' in entry ? entry.entityEvent : null;
  return {
    _id: entry.messageId,
    event_type: entry.eventType,
    entity_id: entityEvent?.entityId ?? null,
    entity_type: entityEvent && entityTypeOf(entityEvent),
    at: entry.at,
    event: JSON.stringify(entityEvent ?? ('details' in entry ? entry.details : null)),
    raw: entry.raw,
    received_at: new Date(),
  };
}
