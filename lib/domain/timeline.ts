import type { EntityVersion } from './entity.ts';

/**
 * What the rules need to know of an entity's history: how many versions it has and the running one
 * (always the last, end = null). Rules answer with index-addressed changes, so the same step both
 * materialises a full fold and updates the stored versions of an entity incrementally.
 */
export interface Timeline {
  count: number;
  active: EntityVersion | null;
}

export type VersionChange =
  | { op: 'put'; index: number; version: EntityVersion }
  | { op: 'remove'; index: number };

export type Outcome =
  | { status: 'applied' }
  | { status: 'unchanged' }
  | { status: 'ignored'; reason: string }
  | { status: 'orphan'; reason: string };

export interface Step {
  timeline: Timeline;
  changes: VersionChange[];
  outcome: Outcome;
}

export const EMPTY_TIMELINE: Timeline = { count: 0, active: null };

/**
 * Almanach's freshness rule for a creation: when the running version has seen an event later than the
 * creation instant, the creation is stale and changes nothing.
 */
export function hasFresherVersion(timeline: Timeline, at: Date): boolean {
  return timeline.active !== null && timeline.active.last_event > at;
}

const APPLIED: Outcome = { status: 'applied' };

export function unchanged(timeline: Timeline): Step {
  return { timeline, changes: [], outcome: { status: 'unchanged' } };
}

export function ignored(timeline: Timeline, reason: string): Step {
  return { timeline, changes: [], outcome: { status: 'ignored', reason } };
}

/** The event needs a version that does not exist (yet): it stays in the log and applies once it does. */
export function orphan(timeline: Timeline, reason: string): Step {
  return { timeline, changes: [], outcome: { status: 'orphan', reason } };
}

export function open(timeline: Timeline, version: EntityVersion): Step {
  return {
    timeline: { count: timeline.count + 1, active: version },
    changes: [{ op: 'put', index: timeline.count, version }],
    outcome: APPLIED,
  };
}

export function replaceActive(timeline: Timeline, version: EntityVersion): Step {
  return {
    timeline: { count: timeline.count, active: version },
    changes: [{ op: 'put', index: timeline.count - 1, version }],
    outcome: APPLIED,
  };
}

/** Close the running version at `at` and run `next` from that instant: a resize, rebuild or re-attachment. */
export function closeAndReopen(
  timeline: Timeline,
  active: EntityVersion,
  at: Date,
  next: EntityVersion,
): Step {
  const closed = close(timeline, active, at);
  const reopened = open(closed.timeline, { ...next, start: at, end: null, last_event: at });
  return { ...reopened, changes: [...closed.changes, ...reopened.changes] };
}

export function close(timeline: Timeline, active: EntityVersion, at: Date): Step {
  return {
    timeline: { count: timeline.count, active: null },
    changes: [{ op: 'put', index: timeline.count - 1, version: { ...active, end: at, last_event: at } }],
    outcome: APPLIED,
  };
}

export function removeActive(timeline: Timeline): Step {
  return {
    timeline: { count: timeline.count - 1, active: null },
    changes: [{ op: 'remove', index: timeline.count - 1 }],
    outcome: APPLIED,
  };
}

/** Apply changes to a list of versions being materialised (the fold owns that list). */
export function applyChangesInPlace(versions: EntityVersion[], changes: readonly VersionChange[]): void {
  for (const change of changes) {
    if (change.op === 'put') versions[change.index] = change.version;
    else versions.splice(change.index, 1);
  }
}
