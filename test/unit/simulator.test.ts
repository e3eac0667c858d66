import { describe, expect, it } from 'vitest';
import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import { ingestConfigSchema, loadConfig } from '#config/schema';
import { type CloudOptions, type SimulatedCloud, simulateCloud } from '#dev/simulator/cloud';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { type ExpectedUsage, expectedUsage } from '#dev/simulator/truth';
import { differencesOf } from '#dev/simulator/verify';
import type { EntityVersion } from '#domain/entity';
import type { RecordedEvent } from '#domain/events';
import { foldEvents } from '#domain/fold';
import { mapNotification } from '#domain/mapping';
import { parseNotification } from '#domain/notification';
import { usageByProject } from '#domain/usage';
import { usageJson } from '#http/handlers/usage';

const OPTIONS: CloudOptions = {
  seed: 7,
  projects: 4,
  instancesPerProject: 12,
  volumesPerProject: 10,
  start: new Date('2026-10-01T00:00:00Z'),
  days: 30,
};

const config = loadConfig(ingestConfigSchema, { MONGODB_URI: 'mongodb://127.0.0.1:1/unused' });

/** The ledger's own rules applied to the stream as the ingest receives it, without a store. */
function foldedVersions(cloud: SimulatedCloud): EntityVersion[] {
  const volumeTypes = new Map<string, string>();
  const byEntity = new Map<string, RecordedEvent[]>();
  for (const { message } of cloud.notifications) {
    const notification = parseNotification(rabbitBody(message));
    const mapped = mapNotification(notification, mappingOptionsFrom(config));
    if (mapped.type === 'volume_type') volumeTypes.set(mapped.volumeType.id, mapped.volumeType.name);
    if (mapped.type !== 'entity') continue;
    const events = byEntity.get(mapped.event.entityId) ?? [];
    events.push({ messageId: notification.message_id, event: mapped.event });
    byEntity.set(mapped.event.entityId, events);
  }
  const rules = {
    ...foldSettingsFrom(config),
    volumeTypeName: (id: string | null) => (id === null ? null : (volumeTypes.get(id) ?? id)),
  };
  return [...byEntity.values()].flatMap((events) => foldEvents(events, rules).versions);
}

function ledgerUsage(cloud: SimulatedCloud) {
  const now = new Date();
  return usageByProject(foldedVersions(cloud), cloud.period, now).map((usage) =>
    usageJson(usage, cloud.period),
  );
}

describe('the traffic simulator', () => {
  it('gives the same stream, bodies and ids included, for the same seed', () => {
    const first = simulateCloud(OPTIONS).notifications.map(({ message }) => rabbitBody(message));
    const second = simulateCloud(OPTIONS).notifications.map(({ message }) => rabbitBody(message));

    expect(second).toEqual(first);
  });

  it('gives a different stream for another seed', () => {
    const first = simulateCloud(OPTIONS).notifications.map(({ message }) => message.message_id);
    const other = simulateCloud({ ...OPTIONS, seed: 8 }).notifications.map(
      ({ message }) => message.message_id,
    );

    expect(other).not.toEqual(first);
  });

  it('emits every lifecycle event Nova and Cinder send, errored builds and deletes while building included', () => {
    const eventTypes = new Set(simulateCloud(OPTIONS).notifications.map(({ message }) => message.event_type));

    expect([...eventTypes].sort()).toEqual(
      expect.arrayContaining([
        'compute.instance.create.end',
        'compute.instance.create.error',
        'compute.instance.delete.end',
        'compute.instance.rebuild.end',
        'compute.instance.resize.confirm.end',
        'volume.attach.end',
        'volume.create.end',
        'volume.delete.end',
        'volume.detach.end',
        'volume.resize.end',
        'volume.update.end',
        'volume_type.create',
      ]),
    );
  });

  it('emits the stream in the order the services emitted it, within the simulated period', () => {
    const cloud = simulateCloud(OPTIONS);
    const times = cloud.notifications.map(({ emittedAt }) => emittedAt);

    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(cloud.period.start.getTime());
    expect(Math.max(...times)).toBeLessThan(cloud.period.end.getTime() + 60_000);
  });

  it.each([1, 2, 3])('expects for seed %i exactly the usage the ledger folds from its stream', (seed) => {
    const cloud = simulateCloud({ ...OPTIONS, seed });
    const expected = expectedUsage(cloud.projectIds, cloud.entities, cloud.period);
    const actual = new Map(ledgerUsage(cloud).map((usage) => [usage.project_id, usage]));

    for (const project of expected) {
      expect(differencesOf(project, actual.get(project.project_id)), project.project_id).toEqual([]);
    }
  });

  it('expects no usage from instances that never ran', () => {
    const cloud = simulateCloud(OPTIONS);
    const ran = new Set(cloud.entities.map((entity) => entity.id));
    const neverRan = cloud.notifications
      .filter(({ message }) => message.event_type === 'compute.instance.create.error')
      .map(({ message }) => String(message.payload.instance_id));
    const folded = new Set(foldedVersions(cloud).map((version) => version.entity_id));

    expect(neverRan.length).toBeGreaterThan(0);
    for (const instanceId of neverRan) {
      expect(ran.has(instanceId)).toBe(false);
      expect(folded.has(instanceId)).toBe(false);
    }
  });
});

describe('comparing usage', () => {
  const expected: ExpectedUsage = {
    project_id: 'p',
    instances: {
      count: 1,
      seconds: 3600,
      by_flavor: [{ flavor: 'm1.small', count: 1, seconds: 3600 }],
      by_os: [{ os_type: 'linux', distro: 'ubuntu', version: '24.04', count: 1, seconds: 3600 }],
    },
    volumes: { count: 0, seconds: 0, gigabyte_seconds: 0, by_volume_type: [] },
  };

  it('finds nothing to report when every quantity matches, extra fields aside', () => {
    const actual = { ...expected, instances: { ...expected.instances, hours: 1 } };

    expect(differencesOf(expected, actual)).toEqual([]);
  });

  it('names the quantity that differs, with both values', () => {
    const actual = {
      ...expected,
      instances: { ...expected.instances, by_flavor: [{ flavor: 'm1.small', count: 1, seconds: 1800 }] },
    };

    expect(differencesOf(expected, actual)).toEqual([
      'instances.by_flavor[m1.small].seconds: expected 3600, got 1800',
    ]);
  });

  it('reports a group the API has and the simulation does not', () => {
    const actual = {
      ...expected,
      volumes: {
        ...expected.volumes,
        by_volume_type: [{ volume_type: 'ssd', count: 1, seconds: 1, gigabyte_seconds: 10 }],
      },
    };

    expect(differencesOf(expected, actual)).toEqual(['volumes.by_volume_type[ssd]: not expected']);
  });
});
