import type { VolumeVersion } from './entity.ts';
import type { VolumeEvent } from './events.ts';
import { missingVersion } from './instance-rules.ts';
import type { FoldRules } from './rules.ts';
import {
  close,
  closeAndReopen,
  ignored,
  open,
  removeActive,
  replaceActive,
  type Step,
  type Timeline,
  unchanged,
} from './timeline.ts';

export function applyVolumeEvent(timeline: Timeline, event: VolumeEvent, rules: FoldRules): Step {
  const active = timeline.active;
  if (active && active.entity_type !== 'volume') return ignored(timeline, 'the entity is an instance');
  if (event.kind === 'volume.created') {
    if (active) return ignored(timeline, 'the volume already exists');
    return open(timeline, {
      entity_id: event.entityId,
      entity_type: 'volume',
      project_id: event.projectId,
      start: event.at,
      end: null,
      last_event: event.at,
      name: event.name,
      volume_type: rules.volumeTypeName(event.volumeTypeId),
      size: event.size,
      attached_to: event.attachments ?? [],
    });
  }
  if (event.kind === 'volume.existed' && !active && timeline.count === 0)
    return backfill(timeline, event, rules);
  if (!active) return missingVersion(timeline);

  const withinThreshold = event.at.getTime() - active.start.getTime() < rules.volumeExistenceThresholdMs;
  switch (event.kind) {
    case 'volume.deleted':
      // A version that lived less than the threshold (a resize or attach right before deletion) is dropped.
      if (timeline.count > 1 && withinThreshold) return removeActive(timeline);
      return close(timeline, active, event.at);
    case 'volume.resized':
      return closeAndReopen(timeline, active, event.at, { ...active, size: event.size });
    case 'volume.attached':
    case 'volume.detached': {
      const next: VolumeVersion = { ...active, last_event: event.at, attached_to: event.attachments };
      const stillAttached =
        event.kind === 'volume.attached' ? active.attached_to.length > 0 : event.attachments.length > 0;
      if (stillAttached || withinThreshold) return replaceActive(timeline, next);
      return closeAndReopen(timeline, active, event.at, next);
    }
    case 'volume.renamed':
    case 'volume.existed':
      if (active.name === event.name) return unchanged(timeline);
      return replaceActive(timeline, { ...active, name: event.name });
  }
}

function backfill(
  timeline: Timeline,
  event: Extract<VolumeEvent, { kind: 'volume.existed' }>,
  rules: FoldRules,
): Step {
  if (!rules.backfillVolumeOnExists) return ignored(timeline, 'unknown volume (backfill disabled)');
  if (!event.backfill) return missingVersion(timeline);
  const { projectId, start, volumeTypeId, size, attachments } = event.backfill;
  return open(timeline, {
    entity_id: event.entityId,
    entity_type: 'volume',
    project_id: projectId,
    start,
    end: null,
    last_event: event.at,
    name: event.name,
    volume_type: rules.volumeTypeName(volumeTypeId),
    size,
    attached_to: attachments,
  });
}
