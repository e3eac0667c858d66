import { entityEventSchema, entityTypeOf, type RecordedEvent } from '#domain/events';
import { type Collections, type EventDocument, isDuplicateKeyError } from './collections.ts';

/**
 * `new`: first delivery. `applied`: a duplicate whose effect is stored (a no-op). `pending`: a duplicate
 * whose earlier delivery failed after being logged, so its effect must still be applied: the dedup record
 * alone never burns a message.
 */
export type AppendResult = 'new' | 'applied' | 'pending';

export interface LoggedNotification {
  messageId: string;
  eventType: string;
  at: Date;
  raw: string;
}

export class EventLog {
  constructor(private readonly collections: Pick<Collections, 'events'>) {}

  async appendEntityEvent(notification: LoggedNotification, recorded: RecordedEvent): Promise<AppendResult> {
    return this.append({
      ...this.documentOf(notification),
      entity_id: recorded.event.entityId,
      entity_type: entityTypeOf(recorded.event),
      event: JSON.stringify(recorded.event),
    });
  }

  async appendOther(notification: LoggedNotification, details: unknown): Promise<AppendResult> {
    return this.append({ ...this.documentOf(notification), event: JSON.stringify(details) });
  }

  async markApplied(messageId: string): Promise<void> {
    await this.collections.events.updateOne({ _id: messageId }, { $set: { applied: true } });
  }

  /** All events of an entity, for a full re-fold (the order does not matter: the fold sorts). */
  async eventsOf(entityId: string): Promise<RecordedEvent[]> {
    const documents = await this.collections.events
      .find({ entity_id: entityId }, { projection: { event: 1 } })
      .toArray();
    return documents.map((document) => ({
      messageId: document._id,
      event: entityEventSchema.parse(JSON.parse(document.event)),
    }));
  }

  private documentOf(notification: LoggedNotification): EventDocument {
    return {
      _id: notification.messageId,
      event_type: notification.eventType,
      entity_id: null,
      entity_type: null,
      at: notification.at,
      event: '',
      raw: notification.raw,
      received_at: new Date(),
      applied: false,
    };
  }

  private async append(document: EventDocument): Promise<AppendResult> {
    try {
      await this.collections.events.insertOne(document);
      return 'new';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.collections.events.findOne(
        { _id: document._id },
        { projection: { applied: 1 } },
      );
      return existing?.applied ? 'applied' : 'pending';
    }
  }
}
