import { describe, expect, it } from 'vitest';
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
import { DEFAULT_TIMES } from '#dev/simulator/defaults';
import { instanceCreated, instanceDeleted, instanceRebuilt, instanceResized } from '#dev/simulator/nova';
import { type OsloMessage, osloEnvelope, rabbitBody } from '#dev/simulator/oslo-envelope';
import {
  formatNovaTimestamp,
  formatPyIsoformat,
  formatPyStr,
  formatStrtime,
} from '#dev/simulator/python-dates';
import { unrelatedEvent } from '#dev/simulator/unrelated-event';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const OSLO_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;
const STRTIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

const allBuilders: Array<[string, () => OsloMessage]> = [
  ['compute.instance.create.end', () => instanceCreated()],
  ['compute.instance.delete.end', () => instanceDeleted()],
  ['compute.instance.resize.confirm.end', () => instanceResized()],
  ['compute.instance.rebuild.end', () => instanceRebuilt()],
  ['volume.create.end', () => volumeCreated()],
  ['volume.delete.end', () => volumeDeleted()],
  ['volume.resize.end', () => volumeResized()],
  ['volume.attach.end', () => volumeAttached()],
  ['volume.detach.end', () => volumeDetached()],
  ['volume.update.end', () => volumeUpdated()],
  ['volume.exists', () => volumeExists()],
  ['volume_type.create', () => volumeTypeCreated()],
];

describe('oslo.messaging envelope', () => {
  it('rabbit body is the v2 envelope whose oslo.message parses back to the inner message', () => {
    const message = volumeAttached({ attachments: ['0b7a2a8e-55c3-4a4b-b0a5-0f2d1b9e8c11'] });
    const body = JSON.parse(rabbitBody(message)) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['oslo.message', 'oslo.version']);
    expect(body['oslo.version']).toBe('2.0');
    expect(typeof body['oslo.message']).toBe('string');
    expect(JSON.parse(body['oslo.message'] as string)).toEqual(message);
    expect(osloEnvelope(message)['oslo.message']).toBe(body['oslo.message']);
  });

  it.each(allBuilders)(
    '%s carries the oslo message fields and a flattened request context',
    (eventType, build) => {
      const message = build();
      expect(message.event_type).toBe(eventType);
      expect(message.message_id).toMatch(UUID);
      expect(message.priority).toBe('INFO');
      expect(message.timestamp).toMatch(OSLO_TIMESTAMP);
      expect(message._unique_id).toMatch(/^[0-9a-f]{32}$/);
      expect(message._context_request_id).toMatch(/^req-[0-9a-f-]{36}$/);
      expect(typeof message._context_timestamp).toBe('string');
      expect(message).toHaveProperty('_context_roles');
      expect(message).toHaveProperty('_context_auth_token');
    },
  );

  it('defaults are deterministic instants but every message gets a fresh id', () => {
    const first = instanceCreated();
    const second = instanceCreated();
    expect(first.timestamp).toBe(second.timestamp);
    expect(first.message_id).not.toBe(second.message_id);
    expect(first.payload.instance_id).not.toBe(second.payload.instance_id);
  });
});

describe('date formats', () => {
  const withMillis = new Date('2016-11-24T15:15:05.123Z');
  const wholeSecond = new Date('2016-11-24T15:14:08Z');

  it('formats the oslo timestamp as a zone-less UTC time with six fraction digits', () => {
    expect(formatNovaTimestamp(withMillis)).toBe('2016-11-24 15:15:05.123000');
    expect(formatNovaTimestamp(wholeSecond)).toBe('2016-11-24 15:14:08.000000');
  });

  it('prints the fraction like Python str()/isoformat() only when it is not zero', () => {
    expect(formatPyStr(wholeSecond, true)).toBe('2016-11-24 15:14:08+00:00');
    expect(formatPyStr(withMillis, false)).toBe('2016-11-24 15:15:05.123000');
    expect(formatPyIsoformat(wholeSecond, true)).toBe('2016-11-24T15:14:08+00:00');
    expect(formatPyIsoformat(withMillis, false)).toBe('2016-11-24T15:15:05.123000');
    expect(formatStrtime(wholeSecond)).toBe('2016-11-24T15:14:08.000000');
  });

  it('default instants carry sub-millisecond digits that truncate back to DEFAULT_TIMES', () => {
    const message = instanceCreated();
    expect(message.timestamp).toBe('2016-11-24 15:14:19.443021');
    expect(message._context_timestamp).toBe('2016-11-24T15:14:07.912021');
    expect(DEFAULT_TIMES.instanceCreate.emitted.toISOString()).toBe('2016-11-24T15:14:19.443Z');
  });
});

describe('nova instance notifications', () => {
  it('create.end formats created_at like str() of an aware datetime and launched_at like strtime', () => {
    const message = instanceCreated({ createdAt: new Date('2024-03-01T10:00:00Z') });
    expect(message.payload.created_at).toBe('2024-03-01 10:00:00+00:00');
    expect(message.payload.launched_at).toBe('2024-03-01T10:00:11.000000');
    expect(message.payload.deleted_at).toBe('');
    expect(message.payload.terminated_at).toBe('');
    expect(message.timestamp).toBe('2024-03-01 10:00:11.000000');
  });

  it('create.end carries the flavor name, image properties, network and hostname derived from the name', () => {
    const message = instanceCreated({
      name: 'My Web_Server',
      flavor: 'm1.large',
      imageMeta: { os_type: 'windows', distro: 'windows', version: '2012r2' },
    });
    const { payload } = message;
    expect(message.publisher_id).toBe('compute.compute-01');
    expect(payload.display_name).toBe('My Web_Server');
    expect(payload.hostname).toBe('my-web-server');
    expect(payload.instance_type).toBe('m1.large');
    expect(payload.instance_flavor_id).toBe('4');
    expect(payload.memory_mb).toBe(8192);
    expect(payload.image_meta).toMatchObject({
      os_type: 'windows',
      distro: 'windows',
      version: '2012r2',
      container_format: 'bare',
    });
    expect(payload.fixed_ips).toHaveLength(1);
    expect(payload.metadata).toEqual({});
    expect(payload.progress).toBe('');
  });

  it('delete.end sets terminated_at and deleted_at in strtime format and has no fixed_ips', () => {
    const end = new Date('2024-03-02T08:30:15.250Z');
    const { payload, timestamp } = instanceDeleted({ terminatedAt: end });
    expect(payload.state).toBe('deleted');
    expect(payload.terminated_at).toBe('2024-03-02T08:30:15.250000');
    expect(payload.deleted_at).toBe('2024-03-02T08:30:15.250000');
    expect(payload).not.toHaveProperty('fixed_ips');
    expect(timestamp).toBe('2024-03-02 08:30:15.250000');
  });

  it('a given timestamp drives both the request context time and the emission time', () => {
    const when = new Date('2024-05-06T07:08:09.010Z');
    const message = instanceResized({ flavor: 'm1.xlarge', timestamp: when });
    expect(message._context_timestamp).toBe('2024-05-06T07:08:09.010000');
    expect(message.timestamp).toBe('2024-05-06 07:08:09.010000');
    expect(message.payload.instance_type).toBe('m1.xlarge');
    const emittedLater = instanceRebuilt({ timestamp: when, emittedAt: new Date('2024-05-06T07:08:30Z') });
    expect(emittedLater._context_timestamp).toBe('2024-05-06T07:08:09.010000');
    expect(emittedLater.timestamp).toBe('2024-05-06 07:08:30.000000');
  });

  it('strings are used verbatim and the payload override is merged last', () => {
    const message = instanceCreated({
      createdAt: '2016-11-24T15:14:08.000000',
      metadata: [],
      payload: { image_meta: { os_type: 'linux' }, image_ref_url: undefined },
    });
    expect(message.payload.created_at).toBe('2016-11-24T15:14:08.000000');
    expect(message.payload.metadata).toEqual([]);
    expect(message.payload.image_meta).toEqual({ os_type: 'linux' });
    expect(message.payload).not.toHaveProperty('image_ref_url');
  });
});

describe('cinder volume notifications', () => {
  it('create.end carries the volume type id, integer size and isoformat dates', () => {
    const message = volumeCreated({ size: 50, createdAt: new Date('2024-03-01T10:00:00Z') });
    const { payload } = message;
    expect(message.publisher_id).toBe('volume.cinder-01@lvm');
    expect(payload.volume_type).toMatch(UUID);
    expect(payload.size).toBe(50);
    expect(payload.status).toBe('available');
    expect(payload.created_at).toBe('2024-03-01T10:00:00+00:00');
    expect(payload.launched_at).toBe('2024-03-01T10:00:03.770000+00:00');
    expect(payload.volume_attachment).toEqual([]);
    expect(message._context_timestamp).toBe('2024-03-01T10:00:03.770000');
  });

  it('attach.end in the volume_attachment format lists every attached instance and no instance_uuid', () => {
    const instances = ['7c1e3a0f-1b2d-4c3e-8f4a-5b6c7d8e9f00', '8d2f4b10-2c3e-4d4f-9a5b-6c7d8e9f0a11'];
    const { payload } = volumeAttached({
      attachments: instances,
      timestamp: new Date('2024-01-01T12:00:00Z'),
    });
    expect(payload).not.toHaveProperty('instance_uuid');
    expect(payload.status).toBe('in-use');
    const attachments = payload.volume_attachment as Array<Record<string, unknown>>;
    expect(attachments.map((a) => a.instance_uuid)).toEqual(instances);
    expect(attachments[1]).toMatchObject({
      volume_id: payload.volume_id,
      attach_status: 'attached',
      attach_mode: 'rw',
      mountpoint: '/dev/vdc',
      attach_time: '2024-01-01T12:00:00.000000',
      detach_time: null,
    });
    expect(attachments[0]?.attach_time).toMatch(STRTIME);
  });

  it('attach.end in the instance_uuid format has a top-level instance_uuid and str() dates', () => {
    const instance = '7c1e3a0f-1b2d-4c3e-8f4a-5b6c7d8e9f00';
    const { payload } = volumeAttached({ attachments: [instance], format: 'instance_uuid' });
    expect(payload.instance_uuid).toBe(instance);
    expect(payload).not.toHaveProperty('volume_attachment');
    expect(payload).not.toHaveProperty('host');
    expect(payload.created_at).toBe('2016-11-24 15:20:03');
  });

  it('detach.end lists only the remaining attachments, or names the detached instance in the old format', () => {
    const remaining = '8d2f4b10-2c3e-4d4f-9a5b-6c7d8e9f0a11';
    const newer = volumeDetached({ attachments: [remaining] }).payload;
    expect((newer.volume_attachment as Array<Record<string, unknown>>).map((a) => a.instance_uuid)).toEqual([
      remaining,
    ]);
    expect(newer.status).toBe('in-use');
    expect(volumeDetached().payload.status).toBe('available');
    expect(volumeDetached().payload.volume_attachment).toEqual([]);

    const detached = '7c1e3a0f-1b2d-4c3e-8f4a-5b6c7d8e9f00';
    const older = volumeDetached({ format: 'instance_uuid', detachedInstanceId: detached }).payload;
    expect(older.instance_uuid).toBe(detached);
    expect(older).not.toHaveProperty('volume_attachment');
  });

  it('cinder context timestamps use isoformat while the oslo timestamp keeps its own format', () => {
    const message = volumeResized({ size: 100, timestamp: new Date('2024-02-03T04:05:06.700Z') });
    expect(message.payload.size).toBe(100);
    expect(message._context_timestamp).toBe('2024-02-03T04:05:06.700000');
    expect(message.timestamp).toBe('2024-02-03 04:05:06.700000');
  });

  it('update.end is published by the API host and exists adds the audit period', () => {
    expect(volumeUpdated({ name: 'renamed' }).payload.display_name).toBe('renamed');
    expect(volumeUpdated().publisher_id).toBe('volume.controller-01');
    const exists = volumeExists();
    expect(exists.payload.audit_period_beginning).toBe('2016-11-24 00:00:00');
    expect(exists.payload.audit_period_ending).toBe('2016-11-25 00:00:00');
    expect(exists._context_is_admin).toBe(true);
    expect(exists._context_project_id).toBeNull();
  });

  it('volume_type.create wraps the type row under volume_types', () => {
    const message = volumeTypeCreated({ volumeTypeId: 'c0ffee00-0000-4000-8000-000000000001', name: 'ssd' });
    expect(message.publisher_id).toBe('volumeType.controller-01');
    expect(message.payload.volume_types).toMatchObject({
      id: 'c0ffee00-0000-4000-8000-000000000001',
      name: 'ssd',
      is_public: true,
      deleted: false,
      deleted_at: null,
      qos_specs_id: null,
    });
    expect((message.payload.volume_types as Record<string, unknown>).created_at).toMatch(STRTIME);
  });
});

describe('unrelated events', () => {
  it('keeps the requested event type with a payload shaped like its service', () => {
    const powerOff = unrelatedEvent();
    expect(powerOff.event_type).toBe('compute.instance.power_off.end');
    expect(powerOff.payload.state).toBe('stopped');
    expect(unrelatedEvent('volume.snapshot.create.end').payload).toHaveProperty('volume_id');
    expect(unrelatedEvent('identity.project.created').publisher_id).toBe('identity.controller-01');
  });
});
