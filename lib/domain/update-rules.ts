import type { EntityVersion, InstanceVersion } from './entity.ts';
import type { InstanceChanges, InstanceUpdated } from './events.ts';
import { ignored, type Step, type Timeline } from './timeline.ts';

/**
 * Almanach's entity update: one instance version is amended in place (no new version); Almanach leaves
 * last_event as it was, and so do we. Setting an end on the running version closes it.
 */
export function applyInstanceUpdate(
  timeline: Timeline,
  event: InstanceUpdated,
  history: readonly EntityVersion[],
): Step {
  const versions = history.slice(0, timeline.count);
  const index = versions.findLastIndex(
    (version) =>
      version.entity_type === 'instance' && version.start.getTime() === event.versionStart.getTime(),
  );
  const version = versions[index];
  if (version?.entity_type !== 'instance')
    return ignored(timeline, 'no instance version starts at that instant');
  return amend(timeline, index, withChanges(version, event.changes));
}

/** Almanach's selection of a closed version: started at or after `start` and ended at or before `end`. */
export function closedVersionsWithin(
  versions: readonly EntityVersion[],
  start: Date,
  end: Date,
): { index: number; version: InstanceVersion }[] {
  return versions.flatMap((version, index) =>
    version.entity_type === 'instance' && version.end !== null && version.start >= start && version.end <= end
      ? [{ index, version }]
      : [],
  );
}

function withChanges(version: InstanceVersion, changes: InstanceChanges): InstanceVersion {
  return {
    ...version,
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.flavor !== undefined && { flavor: changes.flavor }),
    ...(changes.os !== undefined && { os: changes.os }),
    ...(changes.metadata !== undefined && { metadata: changes.metadata }),
    ...(changes.start !== undefined && { start: changes.start }),
    ...(changes.end !== undefined && { end: changes.end }),
  };
}

/** The running version is always the last: amending it may close it (an end was set). */
function amend(timeline: Timeline, index: number, version: InstanceVersion): Step {
  const isLast = index === timeline.count - 1;
  const active = isLast ? (version.end === null ? version : null) : timeline.active;
  return {
    timeline: { count: timeline.count, active },
    changes: [{ op: 'put', index, version }],
    outcome: { status: 'applied' },
  };
}
