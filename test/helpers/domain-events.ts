import type { EntityEvent, RecordedEvent } from '#domain/events';
import type { FoldRules } from '#domain/rules';

/**
 * Domain events for the pure fold tests; notification-level tests use the simulator's Nova and Cinder
 * builders instead.
 */
export const T0 = new Date('2016-11-24T15:00:00.000Z');

export const at = (secondsAfterT0: number): Date => new Date(T0.getTime() + secondsAfterT0 * 1000);

export const rules: FoldRules = {
  instanceExistenceThresholdMs: 900_000,
  volumeExistenceThresholdMs: 60_000,
  backfillVolumeOnExists: true,
  volumeTypeName: (id) => (id === 'type-ssd' ? 'ssd' : id),
};

const OS = { os_type: 'linux', distro: 'ubuntu', version: '16.04' };

let sequence = 0;
export const recorded = (
  event: EntityEvent,
  messageId = `m-${String(++sequence).padStart(6, '0')}`,
): RecordedEvent => ({
  messageId,
  event,
});

export const instance = {
  created: (s = 0, extra: Partial<Extract<EntityEvent, { kind: 'instance.created' }>> = {}): EntityEvent => ({
    kind: 'instance.created',
    entityId: 'i-1',
    at: at(s),
    projectId: 'p-1',
    name: 'web-1',
    flavor: 'm1.small',
    os: OS,
    imageMeta: {},
    metadata: {},
    ...extra,
  }),
  deleted: (
    s: number,
    extra: Partial<Extract<EntityEvent, { kind: 'instance.deleted' }>> = {},
  ): EntityEvent => ({
    kind: 'instance.deleted',
    entityId: 'i-1',
    at: at(s),
    state: 'deleted',
    createdAt: at(0),
    deletedAt: at(s),
    ...extra,
  }),
  resized: (s: number, flavor: string): EntityEvent => ({
    kind: 'instance.resized',
    entityId: 'i-1',
    at: at(s),
    flavor,
  }),
  rebuilt: (s: number, distro: string): EntityEvent => ({
    kind: 'instance.rebuilt',
    entityId: 'i-1',
    at: at(s),
    os: { ...OS, distro },
    imageMeta: {},
  }),
};

export const volume = {
  created: (s = 0, volumeTypeId: string | null = 'type-ssd'): EntityEvent => ({
    kind: 'volume.created',
    entityId: 'v-1',
    at: at(s),
    projectId: 'p-1',
    name: 'data',
    volumeTypeId,
    size: 10,
  }),
  deleted: (s: number): EntityEvent => ({ kind: 'volume.deleted', entityId: 'v-1', at: at(s) }),
  resized: (s: number, size: number): EntityEvent => ({
    kind: 'volume.resized',
    entityId: 'v-1',
    at: at(s),
    size,
  }),
  attached: (s: number, attachments: string[]): EntityEvent => ({
    kind: 'volume.attached',
    entityId: 'v-1',
    at: at(s),
    attachments,
  }),
  detached: (s: number, attachments: string[]): EntityEvent => ({
    kind: 'volume.detached',
    entityId: 'v-1',
    at: at(s),
    attachments,
  }),
  renamed: (s: number, name: string): EntityEvent => ({
    kind: 'volume.renamed',
    entityId: 'v-1',
    at: at(s),
    name,
  }),
  existed: (s: number, name: string, backfill = true): EntityEvent => ({
    kind: 'volume.existed',
    entityId: 'v-1',
    at: at(s),
    name,
    backfill: backfill
      ? { projectId: 'p-1', start: at(-3600), volumeTypeId: 'type-ssd', size: 20, attachments: [] }
      : null,
  }),
};
