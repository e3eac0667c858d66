import { sameOs } from './entity.ts';
import type { InstanceEvent } from './events.ts';
import type { FoldRules } from './rules.ts';
import {
  close,
  closeAndReopen,
  hasFresherVersion,
  ignored,
  open,
  orphan,
  type Step,
  type Timeline,
  unchanged,
} from './timeline.ts';

/** Instance updates amend versions in place: see update-rules.ts. */
type InstanceLifecycleEvent = Exclude<InstanceEvent, { kind: 'instance.updated' }>;

export function applyInstanceEvent(
  timeline: Timeline,
  event: InstanceLifecycleEvent,
  rules: FoldRules,
): Step {
  const active = timeline.active;
  if (active && active.entity_type !== 'instance') return ignored(timeline, 'the entity is a volume');
  switch (event.kind) {
    case 'instance.created':
      if (active) return ignored(timeline, freshnessReason(timeline, event.at));
      return open(timeline, {
        entity_id: event.entityId,
        entity_type: 'instance',
        project_id: event.projectId,
        start: event.at,
        end: null,
        last_event: event.at,
        name: event.name,
        flavor: event.flavor,
        os: event.os,
        metadata: event.metadata,
        image_meta: event.imageMeta,
      });
    case 'instance.deleted':
      if (active) return close(timeline, active, event.at);
      return deletionWithoutRunningVersion(timeline, event, rules);
    case 'instance.resized':
      if (!active) return missingVersion(timeline);
      if (active.flavor === event.flavor) return unchanged(timeline);
      return closeAndReopen(timeline, active, event.at, { ...active, flavor: event.flavor });
    case 'instance.rebuilt':
      if (!active) return missingVersion(timeline);
      if (sameOs(active.os, event.os)) return unchanged(timeline);
      return closeAndReopen(timeline, active, event.at, {
        ...active,
        os: event.os,
        image_meta: event.imageMeta,
      });
  }
}

function freshnessReason(timeline: Timeline, at: Date): string {
  return hasFresherVersion(timeline, at) ? 'a fresher version exists' : 'the instance is already running';
}

/**
 * Almanach drops the deletion of an instance that was never properly created: one in error, or one
 * deleted within instance_existence_threshold of its creation (the create.end never came).
 */
function deletionWithoutRunningVersion(
  timeline: Timeline,
  event: Extract<InstanceLifecycleEvent, { kind: 'instance.deleted' }>,
  rules: FoldRules,
): Step {
  if (timeline.count > 0) return ignored(timeline, 'the instance is already deleted');
  if (event.state === 'error') return ignored(timeline, 'the instance errored before it was created');
  const lifetime =
    event.createdAt && event.deletedAt ? event.deletedAt.getTime() - event.createdAt.getTime() : Infinity;
  if (event.state === 'deleted' && lifetime < rules.instanceExistenceThresholdMs) {
    return ignored(timeline, 'the instance was deleted before its creation completed');
  }
  return orphan(timeline, 'no running version to close yet');
}

export function missingVersion(timeline: Timeline): Step {
  return timeline.count > 0
    ? ignored(timeline, 'the entity is already deleted')
    : orphan(timeline, 'no running version yet');
}
