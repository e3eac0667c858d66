import type { MappingOptions } from '#domain/mapping';
import { mapNotification } from '#domain/mapping';
import { type Notification, parseNotification } from '#domain/notification';
import type { Outcome } from '#domain/timeline';
import type { EntityRepository } from '#store/entity-repository';
import type { EventLog, LoggedNotification } from '#store/event-log';
import type { VolumeTypeRepository } from '#store/volume-types';
import { applyEntityEvent, type EntityWriters } from './apply-entity-event.ts';

export interface IngestDependencies extends EntityWriters {
  events: EventLog;
  entities: EntityRepository;
  volumeTypes: VolumeTypeRepository;
  mapping: MappingOptions;
}

export type IngestResult = Outcome['status'] | 'duplicate' | 'unhandled-event-type' | 'volume-type-recorded';

export interface IngestReport {
  messageId: string;
  eventType: string;
  entityId?: string;
  result: IngestResult;
  reason?: string;
  late?: boolean;
}

export type IngestNotification = (body: string) => Promise<IngestReport>;

/**
 * One notification, as it arrived: parse it (a malformed one throws MalformedNotificationError, for the
 * dead-letter queue), log it once under its message_id, then fold it into its entity. Any other error is
 * transient: the caller must not acknowledge the message, and its redelivery completes the work.
 */
export function createNotificationIngestor(deps: IngestDependencies): IngestNotification {
  return async (body) => {
    const notification = parseNotification(body);
    const mapped = mapNotification(notification, deps.mapping);
    const report = { messageId: notification.message_id, eventType: notification.event_type };
    const logged = loggedFrom(notification);

    if (mapped.type === 'ignored') return { ...report, result: 'unhandled-event-type' };

    if (mapped.type === 'volume_type') {
      const { id, name } = mapped.volumeType;
      if ((await deps.events.appendOther(logged, mapped.volumeType)) === 'applied') {
        return { ...report, result: 'duplicate' };
      }
      await deps.volumeTypes.save({ volume_type_id: id, volume_type_name: name });
      await deps.entities.resolveVolumeType(id, name);
      await deps.events.markApplied(logged.messageId);
      return { ...report, result: 'volume-type-recorded' };
    }

    const recorded = { messageId: notification.message_id, event: mapped.event };
    const entityReport = { ...report, entityId: mapped.event.entityId };
    const appended = await deps.events.appendEntityEvent(logged, recorded);
    if (appended === 'applied') return { ...entityReport, result: 'duplicate' };
    const { outcome, late } = await applyEntityEvent(deps, recorded, appended === 'new');
    await deps.events.markApplied(logged.messageId);
    return {
      ...entityReport,
      result: outcome.status,
      late,
      ...('reason' in outcome && { reason: outcome.reason }),
    };
  };
}

/** Kept for audit and re-folds, without the credentials oslo.messaging copies from the request context. */
const SECRET_CONTEXT_KEY = /auth_token|password|secret/i;

function loggedFrom(notification: Notification): LoggedNotification {
  const audited = Object.fromEntries(
    Object.entries(notification).filter(([key]) => !SECRET_CONTEXT_KEY.test(key)),
  );
  return {
    messageId: notification.message_id,
    eventType: notification.event_type,
    at: notification.timestamp,
    raw: JSON.stringify(audited),
  };
}
