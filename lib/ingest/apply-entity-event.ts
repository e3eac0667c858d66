import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityEvent, RecordedEvent } from '#domain/events';
import { entityTypeOf } from '#domain/events';
import { applyEvent, compareKeys, foldEvents, keyOf, needsHistory } from '#domain/fold';
import type { FoldRules } from '#domain/rules';
import { EMPTY_TIMELINE, type Outcome } from '#domain/timeline';
import type { EntityRepository, Head } from '#store/entity-repository';
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
  const entityId = recorded.event.entityId;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const head = await writers.entities.readHead(entityId);
    const late = Boolean(head?.newest && compareKeys(keyOf(recorded), head.newest) < 0);
    const newest = !head?.newest || compareKeys(keyOf(recorded), head.newest) > 0;
    // An update reads the entity's versions (to find the one it amends), which the head does not hold.
    const incremental = firstDelivery && newest && !needsHistory(recorded.event);
    const written = incremental
      ? await applyInOrder(writers, head, recorded)
      : await refold(writers, head, recorded);
    if (written) {
      await writers.entities.sweepSuperseded(entityId, written.revision);
      await resolveLateVolumeTypes(writers, written.unresolvedTypes);
      return { outcome: written.outcome, late };
    }
    writers.onConflict();
    await sleep(Math.random() * 10 * attempt);
  }
  throw new ConcurrencyConflictError(`entity ${entityId}: head kept moving after ${MAX_ATTEMPTS} attempts`);
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

async function refold(
  writers: EntityWriters,
  head: Head | null,
  recorded: RecordedEvent,
): Promise<Written | null> {
  const entityId = recorded.event.entityId;
  const logged = await writers.events.eventsOf(entityId);
  const events = logged.some((event) => event.messageId === recorded.messageId)
    ? logged
    : [...logged, recorded];
  const { rules, unresolvedTypes } = await rulesFor(
    writers,
    events.map((event) => event.event),
  );
  const fold = foldEvents(events, rules);
  const revision = await writers.entities.swapHead(entityId, head?.revision ?? 0, {
    entityType: head?.entityType ?? entityTypeOf(recorded.event),
    ...fold.timeline,
    newest: fold.newest,
  });
  if (revision === null) return null;
  await writers.entities.replaceVersions(entityId, revision, fold.versions);
  const outcome = fold.outcomes.get(recorded.messageId) ?? { status: 'unchanged' };
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

/**
 * A volume type created while we folded with its bare id: whichever of the two writers runs second
 * resolves it (the type writer resolves after saving; we re-check after writing), so neither order loses it.
 */
async function resolveLateVolumeTypes(writers: EntityWriters, typeIds: string[]): Promise<void> {
  if (typeIds.length === 0) return;
  const names = await writers.volumeTypes.namesOf(typeIds);
  await Promise.all([...names].map(([id, name]) => writers.entities.resolveVolumeType(id, name)));
}
