import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityEvent, RecordedEvent } from '#domain/events';
import { entityTypeOf } from '#domain/events';
import { applyEvent, compareKeys, foldEvents, keyOf, needsHistory } from '#domain/fold';
import type { FoldRules } from '#domain/rules';
import { EMPTY_TIMELINE, type Outcome } from '#domain/timeline';
import { type EntityRepository, type Head, WRITER_STALL_MS } from '#store/entity-repository';
import type { EventLog } from '#store/event-log';
import type { VolumeTypeRepository } from '#store/volume-types';

export interface EntityWriters {
  events: EventLog;
  entities: EntityRepository;
  volumeTypes: VolumeTypeRepository;
  foldSettings: Omit<FoldRules, 'volumeTypeName'>;
  onConflict: () => void;
}

export interface AppliedEvent {
  outcome: Outcome;
  /** Older than the newest event already folded into the entity: applied by re-folding its history. */
  late: boolean;
}

export class ConcurrencyConflictError extends Error {
  override readonly name = 'ConcurrencyConflictError';
}

const MAX_ATTEMPTS = 10;

/**
 * A newer writer claims past a writing head only once its claim is WRITER_STALL_MS old. A write finished
 * well within that (half of it, for clocks of different hosts) cannot have been overtaken, so it skips the
 * sweep and its read: one round trip of about seven per event.
 */
const SWEEP_AFTER_MS = WRITER_STALL_MS / 2;

/**
 * Fold one logged event into its entity. An event newer than everything the entity has seen is applied
 * to the running version alone (cost independent of history length); anything else — late, replayed, or
 * a retry of a delivery that failed half-way — re-folds the entity's whole event set. Either way the head
 * revision is compared-and-swapped, so concurrent writers of one entity converge instead of clobbering.
 */
export async function applyEntityEvent(
  writers: EntityWriters,
  recorded: RecordedEvent,
  firstDelivery: boolean,
): Promise<AppliedEvent> {
  let late = false;
  const written = await writeEntity(writers, recorded.event.entityId, (head) => {
    late = Boolean(head?.newest && compareKeys(keyOf(recorded), head.newest) < 0);
    const newest = !head?.newest || compareKeys(keyOf(recorded), head.newest) > 0;
    // An update reads the entity's versions (to find the one it amends), which the head does not hold.
    const incremental = firstDelivery && newest && !needsHistory(recorded.event);
    return incremental
      ? applyInOrder(writers, head, recorded)
      : refold(writers, head, recorded.event.entityId, recorded);
  });
  await nameVolumeTypesLearnedMeanwhile(writers, written.unresolvedTypes);
  return { outcome: written.outcome, late };
}

/**
 * A volume type became known: the volumes recorded under its bare id are re-folded, through the same
 * revision protocol as every other write (a blind update of their documents could overwrite a concurrent
 * writer's versions with what it read before them, on servers whose updates are read-modify-write).
 */
export async function nameVolumeTypesLearnedMeanwhile(
  writers: EntityWriters,
  typeIds: string[],
): Promise<void> {
  if (typeIds.length === 0) return;
  const names = await writers.volumeTypes.namesOf(typeIds);
  for (const typeId of names.keys()) {
    for (const entityId of await writers.entities.volumesOfType(typeId)) {
      await writeEntity(writers, entityId, (head) => refold(writers, head, entityId));
    }
  }
}

/**
 * One write of an entity: claim the next head revision from a settled head (compare-and-swap, retried on
 * conflict), write the versions, then let the next writer in.
 */
async function writeEntity(
  writers: EntityWriters,
  entityId: string,
  write: (head: Head | null) => Promise<Written | null>,
): Promise<Written> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const head = await settledHead(writers.entities, entityId);
    const started = Date.now();
    const written = await write(head);
    if (written) {
      await writers.entities.finishRevision(entityId, written.revision);
      if (Date.now() - started > SWEEP_AFTER_MS)
        await writers.entities.sweepSuperseded(entityId, written.revision);
      return written;
    }
    writers.onConflict();
    await sleep(Math.random() * 10 * attempt);
  }
  throw new ConcurrencyConflictError(`entity ${entityId}: head kept moving after ${MAX_ATTEMPTS} attempts`);
}

/** The entity's head once its writer (if any) finished, or was given up on as stalled. */
async function settledHead(entities: EntityRepository, entityId: string): Promise<Head | null> {
  const deadline = Date.now() + WRITER_STALL_MS + 1_000;
  for (;;) {
    const head = await entities.readHead(entityId);
    if (!head?.writing || Date.now() > deadline) return head;
    await sleep(5 + Math.random() * 20);
  }
}

interface Written {
  revision: number;
  outcome: Outcome;
  unresolvedTypes: string[];
}

async function applyInOrder(
  writers: EntityWriters,
  head: Head | null,
  recorded: RecordedEvent,
): Promise<Written | null> {
  const { rules, unresolvedTypes } = await rulesFor(writers, [recorded.event]);
  const step = applyEvent(head ?? EMPTY_TIMELINE, recorded.event, rules);
  const revision = await writers.entities.swapHead(recorded.event.entityId, head?.revision ?? 0, {
    entityType: head?.entityType ?? entityTypeOf(recorded.event),
    ...step.timeline,
    newest: keyOf(recorded),
  });
  if (revision === null) return null;
  await writers.entities.writeChanges(recorded.event.entityId, revision, step.changes);
  return { revision, outcome: step.outcome, unresolvedTypes };
}

/** The entity's whole event set folded again (with `recorded`, when it is not logged yet). */
async function refold(
  writers: EntityWriters,
  head: Head | null,
  entityId: string,
  recorded?: RecordedEvent,
): Promise<Written | null> {
  const logged = await writers.events.eventsOf(entityId);
  const events =
    !recorded || logged.some((event) => event.messageId === recorded.messageId)
      ? logged
      : [...logged, recorded];
  const first = events[0];
  if (!first) return null;
  const { rules, unresolvedTypes } = await rulesFor(
    writers,
    events.map((event) => event.event),
  );
  const fold = foldEvents(events, rules);
  const revision = await writers.entities.swapHead(entityId, head?.revision ?? 0, {
    entityType: head?.entityType ?? entityTypeOf(first.event),
    ...fold.timeline,
    newest: fold.newest,
  });
  if (revision === null) return null;
  await writers.entities.replaceVersions(entityId, revision, fold.versions);
  const outcome = (recorded && fold.outcomes.get(recorded.messageId)) ?? { status: 'unchanged' as const };
  return { revision, outcome, unresolvedTypes };
}

async function rulesFor(
  writers: EntityWriters,
  events: readonly EntityEvent[],
): Promise<{ rules: FoldRules; unresolvedTypes: string[] }> {
  const typeIds = [...new Set(events.flatMap(volumeTypeIdOf))];
  const names = await writers.volumeTypes.namesOf(typeIds);
  return {
    rules: { ...writers.foldSettings, volumeTypeName: (id) => (id === null ? null : (names.get(id) ?? id)) },
    unresolvedTypes: typeIds.filter((id) => !names.has(id)),
  };
}

function volumeTypeIdOf(event: EntityEvent): string[] {
  const id =
    event.kind === 'volume.created'
      ? event.volumeTypeId
      : event.kind === 'volume.existed' && event.backfill?.volumeTypeId;
  return id ? [id] : [];
}
