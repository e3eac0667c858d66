import type { EntityVersion } from '#domain/entity';
import { entityTypeOf, type RecordedEvent } from '#domain/events';
import { applyEvent, compareKeys, type EventKey, foldEvents, keyOf, needsHistory } from '#domain/fold';
import type { FoldRules } from '#domain/rules';
import { EMPTY_TIMELINE, type VersionChange } from '#domain/timeline';
import type { EntityHead, EntityPlan, EntityPlanner, EventOutcome, VersionWrite } from './ports.ts';

export interface EntityRequest {
  /** This batch's events of the entity, in arrival order, one per message_id. */
  events: readonly RecordedEvent[];
  /** The message_ids among them that the log already held: redeliveries. */
  redelivered: ReadonlySet<string>;
  /** Re-fold from the log even if nothing new arrived (a volume type became known meanwhile). */
  refold?: boolean;
}

/**
 * What one entity's events of a batch come to. Events all newer than the head, delivered for the first
 * time, are applied to the head alone (the cost does not grow with history); anything else — late,
 * redelivered, an update that reads history, a forced re-fold — folds the entity's whole logged event set.
 */
export function entityPlanner(request: EntityRequest, naming: VolumeTypeNaming): EntityPlanner {
  return {
    creates: request.events.some((recorded) => recorded.event.kind.endsWith('.created')),
    plan: async (head, history) => {
      const rules = await naming.rulesFor(
        history === null ? request.events : [...history, ...request.events],
      );
      return history === null
        ? (incrementalPlan(request, head, rules) ?? 'needs-history')
        : refoldPlan(request, head, history, rules);
    },
  };
}

/** The fold rules, with the names of the volume types the events refer to (their ids while unknown). */
export interface VolumeTypeNaming {
  rulesFor(events: readonly RecordedEvent[]): Promise<FoldRules>;
}

export function volumeTypeIdsOf({ event }: RecordedEvent): string[] {
  const id =
    event.kind === 'volume.created'
      ? event.volumeTypeId
      : event.kind === 'volume.existed' && event.backfill?.volumeTypeId;
  return id ? [id] : [];
}

function incrementalPlan(
  request: EntityRequest,
  head: EntityHead | null,
  rules: FoldRules,
): EntityPlan | null {
  const { events } = request;
  const first = events[0];
  if (request.refold || !first || request.redelivered.size > 0) return null;
  const keyed = events.map((recorded) => ({ recorded, key: keyOf(recorded) }));
  if (keyed.some(({ recorded, key }) => needsHistory(recorded.event) || !newerThan(key, head?.newest)))
    return null;
  const lateOnes = arrivedLate(request.events, head);
  keyed.sort((a, b) => compareKeys(a.key, b.key));

  let timeline = head ?? EMPTY_TIMELINE;
  const touched = new Map<number, EntityVersion | null>();
  const outcomes = new Map<string, EventOutcome>();
  for (const { recorded } of keyed) {
    const step = applyEvent(timeline, recorded.event, rules);
    for (const change of step.changes) touched.set(change.index, putVersion(change));
    timeline = step.timeline;
    outcomes.set(recorded.messageId, { ...step.outcome, late: lateOnes.has(recorded.messageId) });
  }
  const storedCount = head?.count ?? 0;
  const changes: VersionWrite[] = [];
  for (const [index, version] of touched) {
    if (index < timeline.count && version) changes.push({ op: 'put', index, version });
    else if (index < storedCount) changes.push({ op: 'remove', index });
  }
  return {
    write: {
      kind: 'changes',
      next: {
        entityType: head?.entityType ?? entityTypeOf(first.event),
        count: timeline.count,
        active: timeline.active,
        newest: keyed.at(-1)?.key ?? null,
        events: (head?.events ?? 0) + events.length,
      },
      changes,
    },
    outcomes,
  };
}

function refoldPlan(
  request: EntityRequest,
  head: EntityHead | null,
  history: readonly RecordedEvent[],
  rules: FoldRules,
): EntityPlan {
  const all = new Map(history.map((recorded) => [recorded.messageId, recorded]));
  for (const recorded of request.events) all.set(recorded.messageId, recorded);
  const lateOnes = arrivedLate(request.events, head);
  const fold = foldEvents([...all.values()], rules);
  const outcomes = new Map<string, EventOutcome>();
  // The head already folded exactly the logged set: every redelivery in it is a duplicate.
  const alreadyFolded = head !== null && all.size === head.events && !request.refold;
  for (const recorded of request.events) {
    const outcome =
      alreadyFolded && request.redelivered.has(recorded.messageId)
        ? { status: 'duplicate' as const }
        : (fold.outcomes.get(recorded.messageId) ?? { status: 'unchanged' as const });
    const late = outcome.status !== 'duplicate' && lateOnes.has(recorded.messageId);
    outcomes.set(recorded.messageId, { ...outcome, late });
  }
  const first = all.values().next().value;
  if (alreadyFolded || !first) return { write: { kind: 'none' }, outcomes };
  return {
    write: {
      kind: 'rewrite',
      next: {
        entityType: head?.entityType ?? entityTypeOf(first.event),
        ...fold.timeline,
        newest: fold.newest,
        events: all.size,
      },
      versions: fold.versions,
    },
    outcomes,
  };
}

/** The events that arrived after a newer event of their entity: stored, or earlier in the batch. */
function arrivedLate(events: readonly RecordedEvent[], head: EntityHead | null): Set<string> {
  const late = new Set<string>();
  let newest = head?.newest ?? null;
  for (const recorded of events) {
    const key = keyOf(recorded);
    if (newerThan(key, newest)) newest = key;
    else late.add(recorded.messageId);
  }
  return late;
}

function newerThan(key: EventKey, newest: EventKey | null | undefined): boolean {
  return !newest || compareKeys(key, newest) > 0;
}

function putVersion(change: VersionChange): EntityVersion | null {
  return change.op === 'put' ? change.version : null;
}
