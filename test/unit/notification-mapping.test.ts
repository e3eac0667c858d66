import { describe, expect, it } from 'vitest';
import { mappingOptionsFrom } from '#config/ingest-settings';
import { loadConfig, rulesConfigSchema } from '#config/schema';
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
import { type OsloMessage, osloEnvelope, rabbitBody } from '#dev/simulator/oslo-envelope';
import { unrelatedEvent } from '#dev/simulator/unrelated-event';
import { formatAlmanachDate, parseLenientDate } from '#domain/dates';
import { MalformedNotificationError } from '#domain/errors';
import { HANDLED_EVENT_TYPES, type MappedNotification, mapNotification } from '#domain/mapping';
import { parseNotification } from '#domain/notification';

const options = mappingOptionsFrom(loadConfig(rulesConfigSchema, {}));
const map = (message: OsloMessage): MappedNotification =>
  mapNotification(parseNotification(rabbitBody(message)), options);
const eventOf = (message: OsloMessage) => {
  const mapped = map(message);
  if (mapped.type !== 'entity') throw new Error(`expected an entity event, got ${mapped.type}`);
  return mapped.event;
};
const malformation = (body: string) => {
  try {
    mapNotification(parseNotification(body), options);
  } catch (error) {
    if (error instanceof MalformedNotificationError) return { field: error.field, reason: error.reason };
  }
  return undefined;
};

describe('lenient dates', () => {
  it.each([
    ['2016-11-24 17:15:05+00:00', '2016-11-24T17:15:05.000Z'],
    ['2016-11-24T17:25:05.00Z', '2016-11-24T17:25:05.000Z'],
    ['2015-01-31 18:24:34.152300', '2015-01-31T18:24:34.152Z'],
    ['2016-11-24T15:14:08.000000', '2016-11-24T15:14:08.000Z'],
    ['2016-11-24T12:00:00-05:00', '2016-11-24T17:00:00.000Z'],
    ['2016-11-24', '2016-11-24T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseLenientDate(text)?.toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    '2016-13-01 00:00:00',
    '2016-02-30',
    '2016-11-24 25:00:00',
    '',
    '0050-06-01 00:00:00',
    '9999-12-31T23:00:00-05:00',
  ])('rejects %j', (text) => {
    expect(parseLenientDate(text)).toBeUndefined();
  });

  it('prints dates as Almanach does, with microseconds only when there are some', () => {
    expect(formatAlmanachDate(new Date('2016-11-24T21:15:35Z'))).toBe('2016-11-24 21:15:35+00:00');
    expect(formatAlmanachDate(new Date('2016-11-24T21:16:47.106Z'))).toBe('2016-11-24 21:16:47.106000+00:00');
  });
});

describe('notification envelopes', () => {
  it('reads the oslo messaging v2 envelope', () => {
    const message = instanceCreated();
    expect(parseNotification(rabbitBody(message)).message_id).toBe(message.message_id);
  });

  it('reads a bare notification from an older publisher', () => {
    const message = instanceCreated();
    expect(parseNotification(JSON.stringify(message)).event_type).toBe('compute.instance.create.end');
  });

  it('names the envelope when the body is not JSON', () => {
    expect(malformation('not json')).toEqual({ field: 'body', reason: 'is not valid JSON' });
  });

  it('names oslo.message when the envelope holds invalid JSON', () => {
    const body = JSON.stringify({ ...osloEnvelope(instanceCreated()), 'oslo.message': '{' });
    expect(malformation(body)).toEqual({ field: 'oslo.message', reason: 'is not valid JSON' });
  });

  it('names a missing message_id', () => {
    const { message_id, ...withoutId } = instanceCreated();
    expect(malformation(JSON.stringify(withoutId))?.field).toBe('message_id');
  });

  it('names an unparseable timestamp', () => {
    expect(malformation(rabbitBody({ ...instanceCreated(), timestamp: 'soon' }))?.field).toBe('timestamp');
  });

  it('names the payload field a handled event type lacks', () => {
    expect(malformation(rabbitBody(volumeCreated({ payload: { size: 'big' } })))?.field).toBe('payload.size');
  });
});

describe('values the event log could not read back', () => {
  it.each([
    ['400 nines', '9'.repeat(400)],
    ['20 digits', '12345678901234567890'],
    ['one past the largest exact integer', '9007199254740992'],
  ])('refuses a volume size of %s, naming payload.size', (_, size) => {
    expect(malformation(rabbitBody(volumeResized({ payload: { size } })))).toEqual({
      field: 'payload.size',
      reason: `must be at most ${Number.MAX_SAFE_INTEGER}`,
    });
  });

  it('reads the largest size a double holds exactly', () => {
    const size = String(Number.MAX_SAFE_INTEGER);
    expect(eventOf(volumeResized({ payload: { size } }))).toMatchObject({ size: Number.MAX_SAFE_INTEGER });
  });

  it('refuses a number too big for a double anywhere in the notification', () => {
    const inner = JSON.stringify(instanceCreated({ metadata: { quota: 1 } })).replace(
      '"quota":1',
      '"quota":1e400',
    );
    const body = JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': inner });
    expect(malformation(body)).toEqual({
      field: 'payload.metadata.quota',
      reason: 'must be a finite number',
    });
  });

  it.each([
    ['a year before 100, which Date.UTC would move to the 1900s', '0050-06-01 00:00:00'],
    ['an offset pushing it past year 9999', '9999-12-31T23:00:00-05:00'],
  ])('refuses a creation date with %s', (_, createdAt) => {
    expect(malformation(rabbitBody(volumeCreated({ payload: { created_at: createdAt } })))?.field).toBe(
      'payload.created_at',
    );
  });

  it('refuses an entity id over 255 characters, and reads one of 255', () => {
    expect(malformation(rabbitBody(volumeCreated({ volumeId: 'v'.repeat(256) })))).toEqual({
      field: 'payload.volume_id',
      reason: 'must be at most 255 characters',
    });
    expect(eventOf(volumeCreated({ volumeId: 'v'.repeat(255) })).entityId).toHaveLength(255);
  });
});

describe('mapping the twelve event types', () => {
  it('handles exactly the event types Almanach handles', () => {
    expect([...HANDLED_EVENT_TYPES].sort()).toEqual(
      [
        'compute.instance.create.end',
        'compute.instance.delete.end',
        'compute.instance.rebuild.end',
        'compute.instance.resize.confirm.end',
        'volume.attach.end',
        'volume.create.end',
        'volume.delete.end',
        'volume.detach.end',
        'volume.exists',
        'volume.resize.end',
        'volume.update.end',
        'volume_type.create',
      ].sort(),
    );
  });

  it('reads an instance creation from created_at, hostname, instance_type and image_meta', () => {
    const created = new Date('2016-11-24T15:14:08Z');
    expect(
      eventOf(
        instanceCreated({
          instanceId: 'i-1',
          tenantId: 't-1',
          hostname: 'web-1',
          flavor: 'm1.small',
          createdAt: created,
          imageMeta: { os_type: 'linux', distro: 'ubuntu', version: '16.04' },
        }),
      ),
    ).toEqual({
      kind: 'instance.created',
      entityId: 'i-1',
      at: created,
      projectId: 't-1',
      name: 'web-1',
      flavor: 'm1.small',
      os: { os_type: 'linux', distro: 'ubuntu', version: '16.04' },
      imageMeta: {},
      metadata: {},
    });
  });

  it('accepts the empty list some Nova releases send as metadata', () => {
    expect(eventOf(instanceCreated({ metadata: [] }))).toMatchObject({ metadata: {} });
  });

  it('reads the OS from configurable image property names', () => {
    const custom = mappingOptionsFrom(loadConfig(rulesConfigSchema, { OS_DISTRO_KEY: 'os_distro' }));
    const mapped = mapNotification(
      parseNotification(rabbitBody(instanceCreated({ imageMeta: { os_distro: 'rhel', distro: 'ignored' } }))),
      custom,
    );
    expect(
      mapped.type === 'entity' && mapped.event.kind === 'instance.created' && mapped.event.os.distro,
    ).toBe('rhel');
  });

  it('dates an instance deletion at terminated_at and keeps its state and creation date', () => {
    const terminated = new Date('2016-11-24T18:24:34Z');
    expect(eventOf(instanceDeleted({ terminatedAt: terminated, state: 'deleted' }))).toMatchObject({
      kind: 'instance.deleted',
      at: terminated,
      state: 'deleted',
    });
  });

  it('dates a resize and a rebuild at the message timestamp', () => {
    const timestamp = new Date('2016-11-24T16:00:00Z');
    expect(eventOf(instanceResized({ flavor: 'm1.large', timestamp }))).toMatchObject({
      kind: 'instance.resized',
      at: timestamp,
      flavor: 'm1.large',
    });
    expect(eventOf(instanceRebuilt({ imageMeta: { distro: 'centos' }, timestamp }))).toMatchObject({
      kind: 'instance.rebuilt',
      at: timestamp,
    });
  });

  it('reads a volume creation with its type id and size', () => {
    expect(
      eventOf(volumeCreated({ volumeId: 'v-1', volumeTypeId: 'type-1', size: 42, name: 'db' })),
    ).toMatchObject({
      kind: 'volume.created',
      entityId: 'v-1',
      volumeTypeId: 'type-1',
      size: 42,
      name: 'db',
    });
  });

  it.each([
    ['volume.delete.end', volumeDeleted({ volumeId: 'v-1' }), 'volume.deleted'],
    ['volume.resize.end', volumeResized({ volumeId: 'v-1', size: 9 }), 'volume.resized'],
    ['volume.update.end', volumeUpdated({ volumeId: 'v-1', name: 'n' }), 'volume.renamed'],
    ['volume.exists', volumeExists({ volumeId: 'v-1' }), 'volume.existed'],
  ])('maps %s', (_, message, kind) => {
    expect(eventOf(message)).toMatchObject({ kind, entityId: 'v-1' });
  });

  it('reads every attachment of newer Cinder payloads', () => {
    expect(eventOf(volumeAttached({ attachments: ['i-1', 'i-2'] }))).toMatchObject({
      kind: 'volume.attached',
      attachments: ['i-1', 'i-2'],
    });
  });

  it('reads the single instance_uuid of older Cinder payloads', () => {
    expect(eventOf(volumeAttached({ attachments: ['i-1'], format: 'instance_uuid' }))).toMatchObject({
      attachments: ['i-1'],
    });
  });

  it('reads the remaining attachments of a detachment', () => {
    expect(eventOf(volumeDetached({ attachments: ['i-2'] }))).toMatchObject({
      kind: 'volume.detached',
      attachments: ['i-2'],
    });
  });

  it('reads an older Cinder detachment with no instance left as no attachment', () => {
    expect(eventOf(volumeDetached({ format: 'instance_uuid', detachedInstanceId: null }))).toMatchObject({
      attachments: [],
    });
  });

  it('carries what volume.exists needs to backfill an unknown volume', () => {
    const created = new Date('2016-01-01T00:00:00Z');
    expect(eventOf(volumeExists({ tenantId: 't-9', size: 30, createdAt: created }))).toMatchObject({
      backfill: { projectId: 't-9', start: created, size: 30 },
    });
  });

  it('reads a volume type creation', () => {
    expect(map(volumeTypeCreated({ volumeTypeId: 'type-1', name: 'ssd' }))).toEqual({
      type: 'volume_type',
      volumeType: { id: 'type-1', name: 'ssd' },
    });
  });

  it('ignores event types Almanach does not handle', () => {
    expect(map(unrelatedEvent('compute.instance.exists'))).toEqual({
      type: 'ignored',
      eventType: 'compute.instance.exists',
    });
  });
});
