import type { RecordedEvent } from '#domain/events';
import type { MappingOptions } from '#domain/mapping';
import { mapNotification } from '#domain/mapping';
import { type Notification, parseNotification } from '#domain/notification';
import type { Outcome } from '#domain/timeline';
import type { EntityRepository } from '#store/entity-repository';
import type { EventLog, LoggedNotification } from '#store/event-log';
import type { VolumeTypeRepository } from '#store/volume-types';
import {
  applyEntityEvent,
  type EntityWriters,
  nameVolumeTypesLearnedMeanwhile,
} from './apply-entity-event.ts';

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

/**
 * `sequence` orders the writes of one entity (or volume type) among concurrent calls; the key is taken
 * from the notification as it is parsed, synchronously, so calls are sequenced in the order they are made.
 */
export type IngestNotification = (body: string, sequence?: Sequence) => Promise<IngestReport>;

/**
 * Runs `work` once every earlier work of the same key (in call order) has settled; works of different
 * keys run concurrently.
 */
export type Sequence = <T>(key: string, work: () => Promise<T>) => Promise<T>;

const unsequenced: Sequence = (_key, work) => work();

/**
 * Works of one key in call order, each after the previous one settled (failed or not). Order is an
 * efficiency matter only: an entity's events in order take the incremental path, out of order a re-fold,
 * and concurrent writers of one entity stay correct either way.
 */
export function keyedSequence(): Sequence {
  const chains = new Map<string, Promise<unknown>>();
  return (key, work) => {
    const previous = chains.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    chains.set(key, current);
    return current;
  };
}

/**
 * One notification, as it arrived: parse it (a malformed one throws MalformedNotificationError, for the
 * dead-letter queue), log it once under its message_id, then fold it into its entity. Any other error is
 * transient: the caller must not acknowledge the message, and its redelivery completes the work.
 */
export function createNotificationIngestor(deps: IngestDependencies): IngestNotification {
  return async (body, sequence = unsequenced) => {
    const notification = parseNotification(body);
    const mapped = mapNotification(notification, deps.mapping);
    const report = { messageId: notification.message_id, eventType: notification.event_type };
    const logged = loggedFrom(notification);

    if (mapped.type === 'ignored') return { ...report, result: 'unhandled-event-type' };

    if (mapped.type === 'volume_type') {
      const { volumeType } = mapped;
      return sequence(`volume_type:${volumeType.id}`, () => recordVolumeType(deps, logged, volumeType));
    }

    const recorded = { messageId: notification.message_id, event: mapped.event };
    return sequence(`entity:${recorded.event.entityId}`, () => recordEntityEvent(deps, logged, recorded));
  };
}

/**
 * Log an entity event once under its id, then fold it into its entity. Notifications come through here,
 * and so do the API's writes (an API write is an event too, so both give the same result).
 */
export async function recordEntityEvent(
  deps: IngestDependencies,
  logged: LoggedNotification,
  recorded: RecordedEvent,
): Promise<IngestReport> {
  const report = {
    messageId: logged.messageId,
    eventType: logged.eventType,
    entityId: recorded.event.entityId,
  };
  const appended = await deps.events.appendEntityEvent(logged, recorded);
  if (appended === 'applied') return { ...report, result: 'duplicate' };
  const { outcome, late } = await applyEntityEvent(deps, recorded, appended === 'new');
  await deps.events.markApplied(logged.messageId);
  return { ...report, result: outcome.status, late, ...('reason' in outcome && { reason: outcome.reason }) };
}

/** Save a volume type, and name it on the volumes recorded while it was unknown. */
export async function recordVolumeType(
  deps: IngestDependencies,
  logged: LoggedNotification,
  volumeType: { id: string; name: string },
): Promise<IngestReport> {
  const report = { messageId: logged.messageId, eventType: logged.eventType };
  if ((await deps.events.appendOther(logged, volumeType)) === 'applied')
    return { ...report, result: 'duplicate' };
  await deps.volumeTypes.save({ volume_type_id: volumeType.id, volume_type_name: volumeType.name });
  await nameVolumeTypesLearnedMeanwhile(deps, [volumeType.id]);
  await deps.events.markApplied(logged.messageId);
  return { ...report, result: 'volume-type-recorded' };
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
