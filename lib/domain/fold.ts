import type { EntityVersion } from './entity.ts';
import type { EntityEvent, EntityEventKind, RecordedEvent } from './events.ts';
import { applyInstanceEvent } from './instance-rules.ts';
import type { FoldRules } from './rules.ts';
import { applyChangesInPlace, EMPTY_TIMELINE, type Outcome, type Step, type Timeline } from './timeline.ts';
import { applyInstanceUpdate } from './update-rules.ts';
import { applyVolumeEvent } from './volume-rules.ts';

/**
 * An entity's versions are a function of the *set* of its events: sorted by the instant each takes
 * effect, then creations before changes before deletions, then message_id. So duplicates, shuffles and
 * days-late replays all fold to the same versions.
 */
export interface EventKey {
  at: Date;
  rank: number;
  messageId: string;
}

const RANK: Record<EntityEventKind, number> = {
  'instance.created': 0,
  'volume.created': 0,
  'instance.resized': 1,
  'instance.rebuilt': 1,
  'instance.updated': 1,
  'volume.resized': 1,
  'volume.attached': 1,
  'volume.detached': 1,
  'volume.renamed': 1,
  'volume.existed': 1,
  'instance.deleted': 2,
  'volume.deleted': 2,
};

export function keyOf({ messageId, event }: RecordedEvent): EventKey {
  return { at: event.at, rank: RANK[event.kind], messageId };
}

export function compareKeys(a: EventKey, b: EventKey): number {
  return (
    a.at.getTime() - b.at.getTime() ||
    a.rank - b.rank ||
    (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0)
  );
}

/**
 * `history` is every version of the entity so far: only an update reads it (to find the version it
 * amends), and an event that does (see needsHistory) is always applied by a full fold, never to the head.
 */
export function applyEvent(
  timeline: Timeline,
  event: EntityEvent,
  rules: FoldRules,
  history: readonly EntityVersion[] = [],
): Step {
  switch (event.kind) {
    case 'instance.updated':
      return applyInstanceUpdate(timeline, event, history);
    case 'instance.created':
    case 'instance.deleted':
    case 'instance.resized':
    case 'instance.rebuilt':
      return applyInstanceEvent(timeline, event, rules);
    default:
      return applyVolumeEvent(timeline, event, rules);
  }
}

export function needsHistory(event: EntityEvent): boolean {
  return event.kind === 'instance.updated';
}

export interface Fold {
  versions: EntityVersion[];
  timeline: Timeline;
  newest: EventKey | null;
  outcomes: Map<string, Outcome>;
}

export function foldEvents(events: readonly RecordedEvent[], rules: FoldRules): Fold {
  const unique = new Map(events.map((recorded) => [recorded.messageId, recorded]));
  const ordered = [...unique.values()].map((recorded) => ({ recorded, key: keyOf(recorded) }));
  ordered.sort((a, b) => compareKeys(a.key, b.key));

  const versions: EntityVersion[] = [];
  const outcomes = new Map<string, Outcome>();
  let timeline = EMPTY_TIMELINE;
  for (const { recorded } of ordered) {
    const step = applyEvent(timeline, recorded.event, rules, versions);
    applyChangesInPlace(versions, step.changes);
    timeline = step.timeline;
    outcomes.set(recorded.messageId, step.outcome);
  }
  return { versions, timeline, newest: ordered.at(-1)?.key ?? null, outcomes };
}
