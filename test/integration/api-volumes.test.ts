import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { volumeAttached, volumeCreated, volumeDetached } from '#dev/simulator/cinder';
import { startTestApi, type TestApi, versionsIn } from '#test/helpers/api-harness';

let api: TestApi;
const TYPE_ID = randomUUID();
const TYPE_NAME = 'my_volume_type';

beforeAll(async () => {
  api = await startTestApi('api_volumes');
  await api.call('POST', '/v1/volume_type', { body: { type_id: TYPE_ID, type_name: TYPE_NAME } });
});

afterAll(async () => {
  await api.close();
});

const PROJECT = 'my_test_project_id';
const volumeBody = (id: string, overrides: Record<string, unknown> = {}) => ({
  volume_id: id,
  attached_to: [],
  volume_name: 'volume-name',
  volume_type: TYPE_ID,
  start: '2016-01-01T18:30:00Z',
  size: 100,
  ...overrides,
});
const createVolume = (id: string, overrides: Record<string, unknown> = {}, project = PROJECT) =>
  api.call('POST', `/v1/project/${project}/volume`, { body: volumeBody(id, overrides) });
const listVolumes = (start: string, end: string, project = PROJECT) =>
  api.call(
    'GET',
    `/v1/project/${project}/volumes?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
  );
const INVALID_DATE = {
  error:
    'The provided date has an invalid format. Format should be of yyyy-mm-ddThh:mm:ss.msZ, ex: 2015-01-31T18:24:34.1523Z',
};

describe('POST /v1/project/{project_id}/volume', () => {
  it('records the volume with its type name, listed exactly as Almanach lists it', async () => {
    const id = randomUUID();
    expect((await createVolume(id)).status).toBe(201);
    const listed = await listVolumes('2016-01-01 18:29:00.000', '2016-01-01 18:31:00.000');
    expect(listed.json).toContainEqual({
      entity_id: id,
      attached_to: [],
      end: null,
      name: 'volume-name',
      entity_type: 'volume',
      last_event: '2016-01-01 18:30:00+00:00',
      volume_type: TYPE_NAME,
      start: '2016-01-01 18:30:00+00:00',
      project_id: PROJECT,
      size: 100,
    });
  });

  it('records the instances the volume is attached to from the start', async () => {
    const id = randomUUID();
    await createVolume(id, { attached_to: ['an-instance'] });
    expect(await api.store.entities.versionsOf(id)).toEqual([
      expect.objectContaining({ attached_to: ['an-instance'] }),
    ]);
  });

  it("accepts Almanach's documented example body (extra project_id, attached_to as an empty string)", async () => {
    const id = randomUUID();
    const response = await api.call('POST', '/v1/project/ce2d9f6bde52447a831887aac8b7ec98/volume', {
      body: {
        project_id: 'ce2d9f6bde52447a831887aac8b7ec98',
        volume_id: id,
        start: '2016-11-24 17:15:05+00:00',
        volume_type: TYPE_ID,
        size: 20,
        volume_name: 'created_volume2',
        attached_to: '',
      },
    });
    expect(response.status).toBe(201);
    expect(await api.store.entities.versionsOf(id)).toEqual([
      expect.objectContaining({ attached_to: [], size: 20 }),
    ]);
  });

  it('answers 404 for an unknown volume type, and records nothing', async () => {
    const before = await api.snapshot();
    const response = await createVolume(randomUUID(), { volume_type: 'no-such-type' });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: 'Unable to find volume_type_id "no-such-type"' });
    expect(await api.snapshot()).toEqual(before);
  });

  it('answers 400 naming the missing start', async () => {
    const { start, ...body } = volumeBody(randomUUID());
    const response = await api.call('POST', `/v1/project/${PROJECT}/volume`, { body });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: "The 'start' param is mandatory for the request you have made." });
  });

  it('answers 400 with the invalid-date message for a bad start', async () => {
    const response = await createVolume(randomUUID(), { start: 'BAD_DATE_FORMAT' });
    expect(response.json).toEqual(INVALID_DATE);
  });
});

describe('DELETE /v1/volume/{volume_id}', () => {
  it('closes the running version at the given date', async () => {
    const id = randomUUID();
    await createVolume(id);
    const deleted = await api.call('DELETE', `/v1/volume/${id}`, { body: { date: '2016-01-01T18:50:00Z' } });
    expect(deleted.status).toBe(202);
    const listed = await listVolumes('2016-01-01 18:49:00.000', '2016-01-01 18:51:00.000');
    expect(versionsIn(listed.json, id)).toEqual([
      expect.objectContaining({ end: '2016-01-01 18:50:00+00:00', last_event: '2016-01-01 18:50:00+00:00' }),
    ]);
  });

  it('drops a version that lived less than the threshold instead of closing it', async () => {
    const id = randomUUID();
    await createVolume(id);
    await api.call('PUT', `/v1/volume/${id}/resize`, { body: { date: '2016-01-01T19:00:00Z', size: 200 } });
    await api.call('DELETE', `/v1/volume/${id}`, { body: { date: '2016-01-01T19:00:30Z' } });
    expect((await api.store.entities.versionsOf(id)).map((v) => v.end)).toEqual([
      new Date('2016-01-01T19:00:00Z'),
    ]);
  });

  it('answers 404 for a volume it never recorded, and records nothing', async () => {
    const id = randomUUID();
    const before = await api.snapshot();
    const response = await api.call('DELETE', `/v1/volume/${id}`, { body: { date: '2016-01-01T21:00:00Z' } });
    expect([response.status, response.json]).toEqual([404, { error: `Entity ${id} not found` }]);
    expect(await api.snapshot()).toEqual(before);
  });

  it('answers 404 for a volume whose only version is already closed', async () => {
    const id = randomUUID();
    await createVolume(id);
    await api.call('DELETE', `/v1/volume/${id}`, { body: { date: '2016-01-01T20:00:00Z' } });
    const response = await api.call('DELETE', `/v1/volume/${id}`, { body: { date: '2016-01-01T21:00:00Z' } });
    expect([response.status, response.json]).toEqual([404, { error: `Entity ${id} not found` }]);
  });

  it('answers 404 for a volume with several versions and none running', async () => {
    const id = randomUUID();
    await createVolume(id);
    await api.call('PUT', `/v1/volume/${id}/resize`, { body: { date: '2016-01-01T19:00:00Z', size: 200 } });
    await api.call('DELETE', `/v1/volume/${id}`, { body: { date: '2016-01-01T20:00:00Z' } });
    const response = await api.call('DELETE', `/v1/volume/${id}`, { body: { date: '2016-01-01T21:00:00Z' } });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: `Entity ${id} not found` });
  });

  it('answers 400 with the invalid-date message for a bad date', async () => {
    const response = await api.call('DELETE', '/v1/volume/my_test_volume_id', {
      body: { date: 'A_BAD_DATE' },
    });
    expect(response.json).toEqual(INVALID_DATE);
  });

  it('answers 400 when the date is missing', async () => {
    const response = await api.call('DELETE', '/v1/volume/my_test_volume_id', { body: {} });
    expect(response.json).toEqual({ error: "The 'date' param is mandatory for the request you have made." });
  });
});

describe('PUT /v1/volume/{volume_id}/resize', () => {
  it('closes the version and opens one with the new size', async () => {
    const id = randomUUID();
    await createVolume(id);
    const resized = await api.call('PUT', `/v1/volume/${id}/resize`, {
      body: { date: '2016-01-01T18:40:00Z', size: '150' },
    });
    expect(resized.status).toBe(200);
    const listed = await listVolumes('2016-01-01 18:39:00.000', '2016-01-01 18:41:00.000');
    expect(listed.json).toContainEqual(
      expect.objectContaining({ entity_id: id, start: '2016-01-01 18:40:00+00:00', end: null, size: 150 }),
    );
  });

  it('answers 404 for an unknown volume', async () => {
    const id = randomUUID();
    const response = await api.call('PUT', `/v1/volume/${id}/resize`, {
      body: { date: '2016-01-01T18:40:00Z', size: 1 },
    });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: `Entity ${id} not found` });
  });

  it('answers 400 naming the missing size before the missing date', async () => {
    const response = await api.call('PUT', '/v1/volume/my_test_volume_id/resize', { body: {} });
    expect(response.json).toEqual({ error: "The 'size' param is mandatory for the request you have made." });
  });
});

describe('PUT /v1/volume/{volume_id}/attach and /detach', () => {
  it('attaches: closes the detached version and opens an attached one', async () => {
    const id = randomUUID();
    await createVolume(id, { start: '2016-01-01T18:30:30Z' });
    const attached = await api.call('PUT', `/v1/volume/${id}/attach`, {
      body: { date: '2016-01-01T18:40:00Z', attachments: ['instance-1'] },
    });
    expect(attached.status).toBe(200);
    const listed = await listVolumes('2016-01-01 18:39:00.000', '2016-01-01 18:41:00.000');
    expect(listed.json).toContainEqual(
      expect.objectContaining({
        entity_id: id,
        attached_to: ['instance-1'],
        start: '2016-01-01 18:40:00+00:00',
        last_event: '2016-01-01 18:40:00+00:00',
        end: null,
      }),
    );
  });

  it('detaches the last instance: closes the attached version and opens a detached one', async () => {
    const id = randomUUID();
    await createVolume(id, { attached_to: ['instance-1'] });
    const detached = await api.call('PUT', `/v1/volume/${id}/detach`, {
      body: { date: '2016-01-01T18:40:00Z', attachments: [] },
    });
    expect(detached.status).toBe(200);
    expect(
      (await api.store.entities.versionsOf(id)).map((v) => v.entity_type === 'volume' && v.attached_to),
    ).toEqual([['instance-1'], []]);
  });

  it('gives the same versions as the attach and detach notifications', async () => {
    const viaApi = randomUUID();
    const viaNotifications = randomUUID();
    const project = randomUUID();
    await createVolume(
      viaApi,
      { start: '2016-11-24T15:20:03Z', size: 10, volume_name: 'data', volume_type: TYPE_ID },
      project,
    );
    await api.call('PUT', `/v1/volume/${viaApi}/attach`, {
      body: { date: '2016-11-24T16:00:00Z', attachments: ['i-1'] },
    });
    await api.call('PUT', `/v1/volume/${viaApi}/detach`, {
      body: { date: '2016-11-24T17:00:00Z', attachments: [] },
    });
    const common = {
      volumeId: viaNotifications,
      tenantId: project,
      name: 'data',
      volumeTypeId: TYPE_ID,
      size: 10,
    };
    await api.notifications.ingestAll([
      volumeCreated({ ...common, createdAt: new Date('2016-11-24T15:20:03Z') }),
      volumeAttached({ ...common, attachments: ['i-1'], timestamp: new Date('2016-11-24T16:00:00Z') }),
      volumeDetached({ ...common, attachments: [], timestamp: new Date('2016-11-24T17:00:00Z') }),
    ]);
    const strip = ({ entity_id, ...rest }: { entity_id: string }) => rest;
    const fromApi = await api.store.entities.versionsOf(viaApi);
    expect(fromApi).toHaveLength(3);
    expect(fromApi.map(strip)).toEqual((await api.store.entities.versionsOf(viaNotifications)).map(strip));
  });

  it('answers 404 for an unknown volume', async () => {
    const id = randomUUID();
    const response = await api.call('PUT', `/v1/volume/${id}/attach`, {
      body: { date: '2016-01-01T18:40:00Z', attachments: ['x'] },
    });
    expect(response.status).toBe(404);
  });

  it('answers 400 when attachments are missing', async () => {
    const response = await api.call('PUT', '/v1/volume/my_test_volume_id/detach', {
      body: { date: 'A_DATE' },
    });
    expect(response.json).toEqual({
      error: "The 'attachments' param is mandatory for the request you have made.",
    });
  });

  it('answers 400 with the invalid-date message for a bad date', async () => {
    const response = await api.call('PUT', '/v1/volume/my_test_volume_id/attach', {
      body: { date: 'A_BAD_DATE', attachments: ['AN_INSTANCE'] },
    });
    expect(response.json).toEqual(INVALID_DATE);
  });
});

describe('volume types', () => {
  it('creates a type and gets it back', async () => {
    const id = randomUUID();
    expect(
      (await api.call('POST', '/v1/volume_type', { body: { type_id: id, type_name: 'ssd' } })).status,
    ).toBe(201);
    const response = await api.call('GET', `/v1/volume_type/${id}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ volume_type_id: id, volume_type_name: 'ssd' });
  });

  it('lists the types', async () => {
    const response = await api.call('GET', '/v1/volume_types');
    expect(response.status).toBe(200);
    expect(response.json).toContainEqual({ volume_type_id: TYPE_ID, volume_type_name: TYPE_NAME });
  });

  it('names volumes recorded with a type before the type was known', async () => {
    const typeId = randomUUID();
    const volumeId = randomUUID();
    await api.notifications.ingestAll([volumeCreated({ volumeId, volumeTypeId: typeId })]);
    await api.call('POST', '/v1/volume_type', { body: { type_id: typeId, type_name: 'late-type' } });
    expect(await api.store.entities.versionsOf(volumeId)).toEqual([
      expect.objectContaining({ volume_type: 'late-type' }),
    ]);
  });

  it('deletes a type', async () => {
    const id = randomUUID();
    await api.call('POST', '/v1/volume_type', { body: { type_id: id, type_name: 'gone' } });
    expect((await api.call('DELETE', `/v1/volume_type/${id}`)).status).toBe(202);
    expect((await api.call('GET', `/v1/volume_type/${id}`)).status).toBe(404);
  });

  it('answers 404 for an unknown type, on get and on delete', async () => {
    const message = { error: 'Unable to find volume_type_id "no-such-type"' };
    const got = await api.call('GET', '/v1/volume_type/no-such-type');
    const deleted = await api.call('DELETE', '/v1/volume_type/no-such-type');
    expect([got.status, got.json, deleted.status, deleted.json]).toEqual([404, message, 404, message]);
  });

  it('answers 400 naming the missing type_name', async () => {
    const response = await api.call('POST', '/v1/volume_type', { body: { type_id: randomUUID() } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: "The 'type_name' param is mandatory for the request you have made.",
    });
  });
});
