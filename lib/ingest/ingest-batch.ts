import type { RecordedEvent } from '#domain/events';
import type { LoggedEvent } from '#domain/logged-event';
import { type MappingOptions, mapNotification } from '#domain/mapping';
import { type Notification, parseNotification } from '#domain/notification';
import type { FoldRules } from '#domain/rules';
import { asError } from '#observability/thrown';
import { entityPlanner, type VolumeTypeNaming, volumeTypeIdsOf } from './entity-planner.ts';
import type { EntityPlanner, EntityWriteResult, EventOutcome, IngestPorts, LogEntry } from './ports.ts';

/** What records events into the store: notifications and the API's writes share it. */
export interface IngestContext {
  ports: IngestPorts;
  mapping: MappingOptions;
  foldSettings: Omit<FoldRules, 'volumeTypeName'>;
}

export type IngestResult = EventOutcome['status'] | 'unhandled-event-type' | 'volume-type-recorded';

export interface IngestReport {
  messageId: string;
  eventType: string;
  entityId?: string;
  result: IngestResult;
  reason?: string;
  late?: boolean;
}

/** A notification or an API write, parsed and mapped: what the store records. */
export type Arrival =
  | { kind: 'entity'; logged: LoggedEvent; recorded: RecordedEvent }
  | { kind: 'volume_type'; logged: LoggedEvent; volumeType: { id: string; name: string } };

export type ArrivalResult = { ok: true; report: IngestReport } | { ok: false; error: Error };

/**
 * One notification as it travels: parsed and mapped (a malformed one throws MalformedNotificationError,
 * for the dead-letter queue), or reported at once when Almanach ignores its event type.
 */
export function parseArrival(body: string, mapping: MappingOptions): Arrival | IngestReport {
  const notification = parseNotification(body);
  const mapped = mapNotification(notification, mapping);
  const logged = loggedFrom(notification);
  if (mapped.type === 'ignored')
    return { messageId: logged.messageId, eventType: logged.eventType, result: 'unhandled-event-type' };
  if (mapped.type === 'volume_type') return { kind: 'volume_type', logged, volumeType: mapped.volumeType };
  return { kind: 'entity', logged, recorded: { messageId: logged.messageId, event: mapped.event } };
}

/**
 * A batch of arrivals as one pipeline: one write logs them all, volume types are saved, then every entity
 * is planned and written by the store in bulk. Results come back in the order of `arrivals`; a failure is
 * an entity's (all its arrivals of the batch fail together) or an arrival's own, never the whole batch's.
 */
export async function ingestArrivals(
  context: IngestContext,
  arrivals: readonly Arrival[],
): Promise<ArrivalResult[]> {
  const primaries = new Map<string, Arrival>();
  for (const arrival of arrivals) {
    if (!primaries.has(arrival.logged.messageId)) primaries.set(arrival.logged.messageId, arrival);
  }
  const results = new Map<string, ArrivalResult>();
  const append = await context.ports.appendEvents([...primaries.values()].map(logEntryOf));
  for (const [messageId, error] of append.failed) results.set(messageId, { ok: false, error });
  const accepted = [...primaries.values()].filter((arrival) => !append.failed.has(arrival.logged.messageId));
  const typeArrivals = accepted.filter((arrival) => arrival.kind === 'volume_type');
  const entityArrivals = accepted.filter((arrival) => arrival.kind === 'entity');

  const savedTypes = await recordVolumeTypes(context, typeArrivals, append.logged, results);
  const unnamedTypes = await recordEntityEvents(context, entityArrivals, append.logged, results);
  try {
    // A type saved after this batch read its names (by this batch or another) must still reach its volumes.
    const learned =
      unnamedTypes.length > 0
        ? await context.ports.volumeTypeNames(unnamedTypes, { fresh: true })
        : new Map();
    await renameVolumesOfTypes(context, [...savedTypes, ...learned.keys()]);
  } catch (error) {
    // Their redelivery renames again; what does not depend on the renaming is stored and stays acknowledged.
    for (const arrival of accepted) {
      const typeIds = arrival.kind === 'entity' ? volumeTypeIdsOf(arrival.recorded) : [arrival.volumeType.id];
      if (typeIds.some((id) => savedTypes.includes(id) || unnamedTypes.includes(id)))
        results.set(arrival.logged.messageId, { ok: false, error: asError(error) });
    }
  }

  const seen = new Set<string>();
  return arrivals.map((arrival) => {
    const { messageId } = arrival.logged;
    const result = results.get(messageId) ?? missingResult(arrival);
    const isRepeat = seen.has(messageId);
    seen.add(messageId);
    return isRepeat && result.ok ? { ok: true, report: { ...result.report, result: 'duplicate' } } : result;
  });
}

/** Saves the batch's volume types; returns the ids whose volumes must be named again. */
async function recordVolumeTypes(
  context: IngestContext,
  arrivals: Extract<Arrival, { kind: 'volume_type' }>[],
  redelivered: ReadonlySet<string>,
  results: Map<string, ArrivalResult>,
): Promise<string[]> {
  if (arrivals.length === 0) return [];
  try {
    const known = await context.ports.volumeTypeNames(
      arrivals.map((arrival) => arrival.volumeType.id),
      { fresh: true },
    );
    const changed = arrivals.filter(
      ({ logged, volumeType }) =>
        !redelivered.has(logged.messageId) || known.get(volumeType.id) !== volumeType.name,
    );
    await context.ports.saveVolumeTypes(
      changed.map(({ volumeType }) => ({ volume_type_id: volumeType.id, volume_type_name: volumeType.name })),
    );
    for (const arrival of arrivals) {
      const result = changed.includes(arrival) ? 'volume-type-recorded' : 'duplicate';
      const { messageId, eventType } = arrival.logged;
      results.set(messageId, { ok: true, report: { messageId, eventType, result } });
    }
    return changed.map(({ volumeType }) => volumeType.id);
  } catch (error) {
    for (const arrival of arrivals)
      results.set(arrival.logged.messageId, { ok: false, error: asError(error) });
    return [];
  }
}

/**
 * Groups the events by entity (arrival order within each), resolves the volume type names they need, and
 * has the store write every entity at once. Returns the type ids that had no name yet.
 */
async function recordEntityEvents(
  context: IngestContext,
  arrivals: Extract<Arrival, { kind: 'entity' }>[],
  redelivered: ReadonlySet<string>,
  results: Map<string, ArrivalResult>,
): Promise<string[]> {
  if (arrivals.length === 0) return [];
  const groups = new Map<string, Extract<Arrival, { kind: 'entity' }>[]>();
  for (const arrival of arrivals) {
    const entityId = arrival.recorded.event.entityId;
    groups.set(entityId, [...(groups.get(entityId) ?? []), arrival]);
  }
  const naming = new BatchNaming(context);
  const planners = new Map<string, EntityPlanner>();
  for (const [entityId, group] of groups) {
    const events = group.map((arrival) => arrival.recorded);
    const redeliveredIds = new Set(events.map((e) => e.messageId).filter((id) => redelivered.has(id)));
    planners.set(entityId, entityPlanner({ events, redelivered: redeliveredIds }, naming));
  }
  const written = await context.ports.writeEntities(planners);
  for (const [entityId, group] of groups) {
    const outcome = written.get(entityId) ?? notWritten(entityId);
    for (const arrival of group) results.set(arrival.logged.messageId, resultOf(arrival, outcome));
  }
  return [...naming.unnamed];
}

/** Re-folds the volumes recorded under these type ids (their names were unknown then). */
async function renameVolumesOfTypes(context: IngestContext, typeIds: readonly string[]): Promise<void> {
  if (typeIds.length === 0) return;
  const naming = new BatchNaming(context);
  const planners = new Map<string, EntityPlanner>();
  for (const typeId of typeIds) {
    for (const entityId of await context.ports.volumesOfType(typeId))
      planners.set(entityId, entityPlanner({ events: [], redelivered: new Set(), refold: true }, naming));
  }
  if (planners.size === 0) return;
  for (const result of (await context.ports.writeEntities(planners)).values()) {
    if (!result.ok) throw result.error;
  }
}

/** Names the volume types of a batch's folds, and remembers which it could not name (yet). */
class BatchNaming implements VolumeTypeNaming {
  readonly unnamed = new Set<string>();

  constructor(private readonly context: IngestContext) {}

  async rulesFor(events: readonly RecordedEvent[]): Promise<FoldRules> {
    const ids = [...new Set(events.flatMap(volumeTypeIdsOf))];
    const names = await this.context.ports.volumeTypeNames(ids);
    for (const id of ids) if (!names.has(id)) this.unnamed.add(id);
    return {
      ...this.context.foldSettings,
      volumeTypeName: (id) => (id === null ? null : (names.get(id) ?? id)),
    };
  }
}

function notWritten(entityId: string): EntityWriteResult {
  return { ok: false, error: new Error(`entity ${entityId} was not written`) };
}

function resultOf(arrival: Extract<Arrival, { kind: 'entity' }>, written: EntityWriteResult): ArrivalResult {
  if (!written.ok) return written;
  const { logged, recorded } = arrival;
  const outcome = written.plan.outcomes.get(recorded.messageId) ?? { status: 'unchanged', late: false };
  return {
    ok: true,
    report: {
      messageId: logged.messageId,
      eventType: logged.eventType,
      entityId: recorded.event.entityId,
      result: outcome.status,
      late: outcome.late,
      ...('reason' in outcome && { reason: outcome.reason }),
    },
  };
}

function logEntryOf(arrival: Arrival): LogEntry {
  return arrival.kind === 'entity'
    ? { ...arrival.logged, entityEvent: arrival.recorded.event }
    : { ...arrival.logged, details: arrival.volumeType };
}

function missingResult(arrival: Arrival): ArrivalResult {
  return { ok: false, error: new Error(`notification ${arrival.logged.messageId} was not processed`) };
}

/** Kept for audit and re-folds, without the credentials oslo.messaging copies from the request context. */
const SECRET_CONTEXT_KEY = /auth_token|password|secret/i;

function loggedFrom(notification: Notification): LoggedEvent {
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

/**
 * One notification body, as a batch of one: the report, or a throw (MalformedNotificationError for a
 * notification that can never be stored; anything else is transient).
 */
export async function ingestNotification(context: IngestContext, body: string): Promise<IngestReport> {
  const parsed = parseArrival(body, context.mapping);
  return 'kind' in parsed ? ingestOne(context, parsed) : parsed;
}

/**
 * An API write is an event like a notification's, recorded by the same pipeline: an API write and the
 * notification of the same change give the same versions.
 */
export function recordEntityEvent(
  context: IngestContext,
  logged: LoggedEvent,
  recorded: RecordedEvent,
): Promise<IngestReport> {
  return ingestOne(context, { kind: 'entity', logged, recorded });
}

/** Saves a volume type, and names it on the volumes recorded while it was unknown. */
export function recordVolumeType(
  context: IngestContext,
  logged: LoggedEvent,
  volumeType: { id: string; name: string },
): Promise<IngestReport> {
  return ingestOne(context, { kind: 'volume_type', logged, volumeType });
}

async function ingestOne(context: IngestContext, arrival: Arrival): Promise<IngestReport> {
  const [result] = await ingestArrivals(context, [arrival]);
  if (!result) throw new Error(`notification ${arrival.logged.messageId} was not processed`);
  if (!result.ok) throw result.error;
  return result.report;
}
