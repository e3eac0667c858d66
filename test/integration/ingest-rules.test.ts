import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  volumeAttached,
  volumeCreated,
  volumeDeleted,
  volumeDetached,
  volumeExists,
  volumeResized,
  volumeTypeCreated,
  volumeUpdated,
} from '#dev/simulator/cinder';
import { instanceCreated, instanceDeleted, instanceRebuilt, instanceResized } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { unrelatedEvent } from '#dev/simulator/unrelated-event';
import { defaultRules, ingestorFor, openTestStore, type TestStore } from '#test/helpers/ingest-harness';

const at = (iso: string) => new Date(iso);
const CREATED = '2016-11-24T15:00:00.000Z';
const SSD = { volumeTypeId: 'fc9f7a2f-5e19-4a5b-8d1a-1b1b2c3d4e5f', name: 'ssd' };

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('rules');
  await ingestorFor(store).ingestAll([volumeTypeCreated(SSD)]);
});

afterAll(async () => {
  await store.close();
});

const versions = (entityId: string) => store.entities.versionsOf(entityId);

describe('instance notifications', () => {
  it('records a created instance with its flavor, OS from image_meta and hostname', async () => {
    const id = crypto.randomUUID();
    const { ingestAll } = ingestorFor(store);
    await ingestAll([
      instanceCreated({
        instanceId: id,
        tenantId: 'tenant-a',
        name: 'web-1',
        flavor: 'm1.small',
        createdAt: at(CREATED),
        imageMeta: { os_type: 'linux', distro: 'ubuntu', version: '16.04', min_disk: '20' },
      }),
    ]);
    expect(await versions(id)).toEqual([
      {
        entity_id: id,
        entity_type: 'instance',
        project_id: 'tenant-a',
        start: at(CREATED),
        end: null,
        last_event: at(CREATED),
        name: 'web-1',
        flavor: 'm1.small',
        os: { os_type: 'linux', distro: 'ubuntu', version: '16.04' },
        metadata: {},
        image_meta: {},
      },
    ]);
  });

  it('keeps only whitelisted metadata and image properties, with dotted keys intact', async () => {
    const id = crypto.randomUUID();
    const rules = defaultRules({
      INSTANCE_METADATA_WHITELIST: 'metering.billing_mode,owner',
      INSTANCE_IMAGE_META_WHITELIST: 'distro',
    });
    await ingestorFor(store, rules).ingestAll([
      instanceCreated({
        instanceId: id,
        metadata: { 'metering.billing_mode': 'monthly', owner: 'ops', secret_note: 'x' },
        imageMeta: { distro: 'centos', version: '7', os_type: 'linux' },
      }),
    ]);
    expect(await versions(id)).toMatchObject([
      { metadata: { 'metering.billing_mode': 'monthly', owner: 'ops' }, image_meta: { distro: 'centos' } },
    ]);
    const stored = await store.collections.entity.findOne({ entity_id: id });
    expect(stored?.entity_type === 'instance' && stored.metadata).toEqual({
      'metering^billing_mode': 'monthly',
      owner: 'ops',
    });
  });

  it('closes the instance at terminated_at when it is deleted', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      instanceCreated({ instanceId: id, createdAt: at(CREATED) }),
      instanceDeleted({ instanceId: id, createdAt: at(CREATED), terminatedAt: at('2016-11-24T18:00:00Z') }),
    ]);
    expect(await versions(id)).toMatchObject([{ end: at('2016-11-24T18:00:00Z') }]);
  });

  it('closes and reopens the instance when a resize is confirmed with a new flavor', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      instanceCreated({ instanceId: id, flavor: 'm1.small', createdAt: at(CREATED) }),
      instanceResized({ instanceId: id, flavor: 'm1.large', timestamp: at('2016-11-24T16:00:00Z') }),
    ]);
    expect(await versions(id)).toMatchObject([
      { flavor: 'm1.small', end: at('2016-11-24T16:00:00Z') },
      { flavor: 'm1.large', start: at('2016-11-24T16:00:00Z'), end: null },
    ]);
  });

  it('changes nothing when a resize is confirmed with the same flavor', async () => {
    const id = crypto.randomUUID();
    const { ingestAll, metrics } = ingestorFor(store);
    await ingestAll([
      instanceCreated({ instanceId: id, flavor: 'm1.small', createdAt: at(CREATED) }),
      instanceResized({ instanceId: id, flavor: 'm1.small', timestamp: at('2016-11-24T16:00:00Z') }),
    ]);
    expect(await versions(id)).toHaveLength(1);
    expect(metrics.get('EventsApplied')).toBe(0);
  });

  it('closes and reopens the instance when a rebuild changes the OS', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      instanceCreated({
        instanceId: id,
        createdAt: at(CREATED),
        imageMeta: { distro: 'ubuntu', version: '14.04' },
      }),
      instanceRebuilt({
        instanceId: id,
        imageMeta: { distro: 'ubuntu', version: '16.04' },
        timestamp: at('2016-11-24T16:00:00Z'),
      }),
    ]);
    expect((await versions(id)).map((v) => v.entity_type === 'instance' && v.os.version)).toEqual([
      '14.04',
      '16.04',
    ]);
  });

  it('records the instance once its creation arrives after its deletion', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      instanceDeleted({ instanceId: id, createdAt: at(CREATED), terminatedAt: at('2016-11-25T15:00:00Z') }),
      instanceCreated({ instanceId: id, createdAt: at(CREATED) }),
    ]);
    expect(await versions(id)).toMatchObject([{ start: at(CREATED), end: at('2016-11-25T15:00:00Z') }]);
  });

  it('ignores the deletion of an instance that errored before being created', async () => {
    const id = crypto.randomUUID();
    const report = await ingestorFor(store).ingest(
      rabbitBody(instanceDeleted({ instanceId: id, state: 'error', createdAt: at(CREATED) })),
    );
    expect(report).toMatchObject({ result: 'ignored' });
    expect(await versions(id)).toEqual([]);
  });

  it('ignores an instance deleted within the existence threshold before its creation completed', async () => {
    const id = crypto.randomUUID();
    const report = await ingestorFor(store).ingest(
      rabbitBody(
        instanceDeleted({
          instanceId: id,
          state: 'deleted',
          createdAt: at(CREATED),
          deletedAt: at('2016-11-24T15:05:00Z'),
          terminatedAt: at('2016-11-24T15:05:00Z'),
        }),
      ),
    );
    expect(report).toMatchObject({
      result: 'ignored',
      reason: 'the instance was deleted before its creation completed',
    });
  });

  it('acknowledges event types Almanach does not handle without storing them', async () => {
    const { ingest } = ingestorFor(store);
    const report = await ingest(rabbitBody(unrelatedEvent('compute.instance.power_off.end')));
    expect(report.result).toBe('unhandled-event-type');
    expect(
      await store.collections.events.countDocuments({ event_type: 'compute.instance.power_off.end' }),
    ).toBe(0);
  });
});

describe('volume notifications', () => {
  it('records a created volume with its type name, size and no attachment', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({
        volumeId: id,
        tenantId: 'tenant-b',
        name: 'db',
        volumeTypeId: SSD.volumeTypeId,
        size: 50,
        createdAt: at(CREATED),
      }),
    ]);
    expect(await versions(id)).toEqual([
      {
        entity_id: id,
        entity_type: 'volume',
        project_id: 'tenant-b',
        start: at(CREATED),
        end: null,
        last_event: at(CREATED),
        name: 'db',
        volume_type: 'ssd',
        size: 50,
        attached_to: [],
      },
    ]);
  });

  it('records a volume of an unknown type under the type id, then its name once the type is created', async () => {
    const id = crypto.randomUUID();
    const typeId = crypto.randomUUID();
    const { ingestAll } = ingestorFor(store);
    await ingestAll([volumeCreated({ volumeId: id, volumeTypeId: typeId, createdAt: at(CREATED) })]);
    expect(await versions(id)).toMatchObject([{ volume_type: typeId }]);
    await ingestAll([volumeTypeCreated({ volumeTypeId: typeId, name: 'gold' })]);
    expect(await versions(id)).toMatchObject([{ volume_type: 'gold' }]);
    await ingestAll([volumeResized({ volumeId: id, size: 99, timestamp: at('2016-11-24T17:00:00Z') })]);
    expect((await versions(id)).map((v) => v.entity_type === 'volume' && v.volume_type)).toEqual([
      'gold',
      'gold',
    ]);
  });

  it('closes a volume deleted after the existence threshold', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, createdAt: at(CREATED) }),
      volumeDeleted({ volumeId: id, timestamp: at('2016-11-24T16:00:00Z') }),
    ]);
    expect(await versions(id)).toMatchObject([{ end: at('2016-11-24T16:00:00Z') }]);
  });

  it('drops the version a volume had for less than the threshold when it is deleted', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, size: 10, createdAt: at(CREATED) }),
      volumeResized({ volumeId: id, size: 20, timestamp: at('2016-11-24T16:00:00Z') }),
      volumeDeleted({ volumeId: id, timestamp: at('2016-11-24T16:00:30Z') }),
    ]);
    expect(await versions(id)).toMatchObject([{ size: 10, end: at('2016-11-24T16:00:00Z') }]);
    expect(await store.collections.entity.countDocuments({ entity_id: id })).toBe(1);
  });

  it('closes and reopens a volume at every resize', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, size: 10, createdAt: at(CREATED) }),
      volumeResized({ volumeId: id, size: 20, timestamp: at('2016-11-24T16:00:00Z') }),
    ]);
    expect(await versions(id)).toMatchObject([
      { size: 10, end: at('2016-11-24T16:00:00Z') },
      { size: 20, start: at('2016-11-24T16:00:00Z'), end: null },
    ]);
  });

  it('records an attachment in place when it comes within the threshold of the creation', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, createdAt: at(CREATED) }),
      volumeAttached({ volumeId: id, attachments: ['inst-1'], timestamp: at('2016-11-24T15:00:30Z') }),
    ]);
    expect(await versions(id)).toMatchObject([
      { attached_to: ['inst-1'], last_event: at('2016-11-24T15:00:30Z') },
    ]);
  });

  it('closes and reopens the volume when it is attached after the threshold (older Cinder payload)', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, createdAt: at(CREATED) }),
      volumeAttached({
        volumeId: id,
        attachments: ['inst-1'],
        format: 'instance_uuid',
        timestamp: at('2016-11-24T16:00:00Z'),
      }),
    ]);
    expect(await versions(id)).toMatchObject([
      { attached_to: [], end: at('2016-11-24T16:00:00Z') },
      { attached_to: ['inst-1'], end: null },
    ]);
  });

  it('tracks a volume attached to several instances and detached one by one', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, createdAt: at(CREATED) }),
      volumeAttached({ volumeId: id, attachments: ['inst-1'], timestamp: at('2016-11-24T16:00:00Z') }),
      volumeAttached({
        volumeId: id,
        attachments: ['inst-1', 'inst-2'],
        timestamp: at('2016-11-24T17:00:00Z'),
      }),
      volumeDetached({ volumeId: id, attachments: ['inst-2'], timestamp: at('2016-11-24T18:00:00Z') }),
      volumeDetached({ volumeId: id, attachments: [], timestamp: at('2016-11-24T19:00:00Z') }),
    ]);
    expect((await versions(id)).map((v) => v.entity_type === 'volume' && [v.attached_to, v.end])).toEqual([
      [[], at('2016-11-24T16:00:00Z')],
      [['inst-2'], at('2016-11-24T19:00:00Z')],
      [[], null],
    ]);
  });

  it('renames the running volume in place on volume.update.end', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, name: 'old', createdAt: at(CREATED) }),
      volumeUpdated({ volumeId: id, name: 'new', timestamp: at('2016-11-24T16:00:00Z') }),
    ]);
    expect(await versions(id)).toMatchObject([{ name: 'new', end: null }]);
  });

  it('renames the running volume on volume.exists', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store).ingestAll([
      volumeCreated({ volumeId: id, name: 'old', createdAt: at(CREATED) }),
      volumeExists({
        volumeId: id,
        name: 'renamed',
        createdAt: at(CREATED),
        timestamp: at('2016-11-25T00:00:00Z'),
      }),
    ]);
    expect(await versions(id)).toMatchObject([{ name: 'renamed' }]);
  });

  it('backfills a volume first seen through volume.exists', async () => {
    const id = crypto.randomUUID();
    const { ingest } = ingestorFor(store);
    const report = await ingest(
      rabbitBody(
        volumeExists({
          volumeId: id,
          tenantId: 'tenant-c',
          name: 'legacy',
          size: 30,
          volumeTypeId: SSD.volumeTypeId,
          createdAt: at('2016-01-01T00:00:00Z'),
          timestamp: at('2016-11-25T00:00:00Z'),
        }),
      ),
    );
    expect(report.result).toBe('applied');
    expect(await versions(id)).toMatchObject([
      { project_id: 'tenant-c', start: at('2016-01-01T00:00:00Z'), size: 30, volume_type: 'ssd', end: null },
    ]);
  });

  it('does not backfill from volume.exists when VOLUME_EXISTS_BACKFILL is false', async () => {
    const id = crypto.randomUUID();
    await ingestorFor(store, defaultRules({ VOLUME_EXISTS_BACKFILL: 'false' })).ingestAll([
      volumeExists({ volumeId: id, createdAt: at(CREATED) }),
    ]);
    expect(await versions(id)).toEqual([]);
  });

  it('records volume types by id and name', async () => {
    const typeId = crypto.randomUUID();
    await ingestorFor(store).ingestAll([volumeTypeCreated({ volumeTypeId: typeId, name: 'bronze' })]);
    expect(await store.collections.volumeTypes.findOne({ _id: typeId })).toMatchObject({
      volume_type_id: typeId,
      volume_type_name: 'bronze',
    });
  });
});
