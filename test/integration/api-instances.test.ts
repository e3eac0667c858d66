import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceCreated, instanceDeleted, instanceResized } from '#dev/simulator/nova';
import { startTestApi, type TestApi, versionsIn } from '#test/helpers/api-harness';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('api_instances');
});

afterAll(async () => {
  await api.close();
});

const PROJECT = 'my_test_project_id';
const instanceBody = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  created_at: '2016-01-01T18:30:00Z',
  name: 'integration_test_instance_FlavorA',
  flavor: 'FlavorA',
  os_type: 'Linux',
  os_distro: 'Ubuntu',
  os_version: '14.04',
  ...overrides,
});
const createInstance = (id: string, overrides: Record<string, unknown> = {}, project = PROJECT) =>
  api.call('POST', `/v1/project/${project}/instance`, { body: instanceBody(id, overrides) });
const listInstances = (start: string, end: string, project = PROJECT) =>
  api.call(
    'GET',
    `/v1/project/${project}/instances?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
  );
const INVALID_DATE = {
  error:
    'The provided date has an invalid format. Format should be of yyyy-mm-ddThh:mm:ss.msZ, ex: 2015-01-31T18:24:34.1523Z',
};

describe('POST /v1/project/{project_id}/instance', () => {
  it('records the instance, listed exactly as Almanach lists it', async () => {
    const id = randomUUID();
    const created = await createInstance(id);
    expect(created.status).toBe(201);
    expect(created.text).toBe('');

    const listed = await listInstances('2016-01-01 18:29:00.000', '2016-01-01 18:31:00.000');
    expect(listed.status).toBe(200);
    expect(listed.headers.get('content-type')).toBe('application/json');
    expect(listed.json).toContainEqual({
      entity_id: id,
      end: null,
      entity_type: 'instance',
      flavor: 'FlavorA',
      last_event: '2016-01-01 18:30:00+00:00',
      name: 'integration_test_instance_FlavorA',
      os: { distro: 'Ubuntu', os_type: 'Linux', version: '14.04' },
      project_id: PROJECT,
      start: '2016-01-01 18:30:00+00:00',
      metadata: {},
    });
  });

  it('answers 400 naming the first missing field, and records nothing', async () => {
    const before = await api.snapshot();
    const { flavor, ...withoutFlavor } = instanceBody(randomUUID());
    const response = await api.call('POST', `/v1/project/${PROJECT}/instance`, { body: withoutFlavor });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: "The 'flavor' param is mandatory for the request you have made.",
    });
    expect(await api.snapshot()).toEqual(before);
  });

  it('answers 400 with the invalid-date message for a bad created_at, and records nothing', async () => {
    const before = await api.snapshot();
    const response = await createInstance(randomUUID(), { created_at: 'A_BAD_DATE_FORMAT' });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(INVALID_DATE);
    expect(await api.snapshot()).toEqual(before);
  });

  it('accepts and ignores a creation older than the running version, as Almanach does', async () => {
    const id = randomUUID();
    await createInstance(id, { created_at: '2016-01-02T00:00:00Z' });
    const older = await createInstance(id, { created_at: '2016-01-01T00:00:00Z', flavor: 'Other' });
    expect(older.status).toBe(201);
    const versions = await api.store.entities.versionsOf(id);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ flavor: 'FlavorA' });
  });
});

describe('DELETE /v1/instance/{instance_id}', () => {
  it('closes the running version at the given date', async () => {
    const id = randomUUID();
    await createInstance(id);
    const deleted = await api.call('DELETE', `/v1/instance/${id}`, {
      body: { date: '2016-01-01T18:50:00Z' },
    });
    expect(deleted.status).toBe(202);
    expect(deleted.text).toBe('');

    const listed = await listInstances('2016-01-01 18:49:00.000', '2016-01-01 18:51:00.000');
    expect(listed.json).toContainEqual(
      expect.objectContaining({
        entity_id: id,
        start: '2016-01-01 18:30:00+00:00',
        end: '2016-01-01 18:50:00+00:00',
        last_event: '2016-01-01 18:50:00+00:00',
      }),
    );
  });

  it('answers 404 for an instance with no running version', async () => {
    const id = randomUUID();
    const response = await api.call('DELETE', `/v1/instance/${id}`, {
      body: { date: '2016-01-01T18:50:00Z' },
    });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: `InstanceId: ${id} Not Found` });
  });

  it('answers 400 with the invalid-date message for a bad date', async () => {
    const id = randomUUID();
    await createInstance(id);
    const response = await api.call('DELETE', `/v1/instance/${id}`, { body: { date: 'A_BAD_DATE' } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(INVALID_DATE);
  });

  it('answers 400 when the date is missing', async () => {
    const response = await api.call('DELETE', '/v1/instance/my_instance_id', { body: {} });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: "The 'date' param is mandatory for the request you have made." });
  });

  it('answers 400 when there is no body at all', async () => {
    const response = await api.call('DELETE', '/v1/instance/my_instance_id');
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'Invalid parameter or payload' });
  });
});

describe('PUT /v1/instance/{instance_id}/resize', () => {
  it('closes the version and opens one with the new flavor at the resize date', async () => {
    const id = randomUUID();
    await createInstance(id);
    const resized = await api.call('PUT', `/v1/instance/${id}/resize`, {
      body: { date: '2016-01-01T18:40:00Z', flavor: 'FlavorC' },
    });
    expect(resized.status).toBe(200);

    const listed = await listInstances('2016-01-01 18:39:00.000', '2016-01-01 18:41:00.000');
    expect(versionsIn(listed.json, id)).toEqual([
      expect.objectContaining({ flavor: 'FlavorA', end: '2016-01-01 18:40:00+00:00' }),
      expect.objectContaining({
        flavor: 'FlavorC',
        start: '2016-01-01 18:40:00+00:00',
        last_event: '2016-01-01 18:40:00+00:00',
        end: null,
      }),
    ]);
  });

  it('keeps a single version when the flavor does not change', async () => {
    const id = randomUUID();
    await createInstance(id);
    await api.call('PUT', `/v1/instance/${id}/resize`, {
      body: { date: '2016-01-01T18:40:00Z', flavor: 'FlavorA' },
    });
    expect(await api.store.entities.versionsOf(id)).toHaveLength(1);
  });

  it('answers 404 for an unknown instance', async () => {
    const id = randomUUID();
    const response = await api.call('PUT', `/v1/instance/${id}/resize`, {
      body: { date: '2016-01-01T18:40:00Z', flavor: 'FlavorC' },
    });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: `Entity ${id} not found` });
  });

  it('answers 400 with the invalid-date message before looking the instance up', async () => {
    const response = await api.call('PUT', '/v1/instance/my_instance_id/resize', {
      body: { date: 'A_BAD_DATE', flavor: 'FlavorC' },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(INVALID_DATE);
  });

  it('answers 400 when the date is missing', async () => {
    const response = await api.call('PUT', '/v1/instance/my_instance_id/resize', {
      body: { flavor: 'FlavorC' },
    });
    expect(response.json).toEqual({ error: "The 'date' param is mandatory for the request you have made." });
  });
});

describe('PUT /v1/instance/{instance_id}/rebuild', () => {
  it('closes the version and opens one with the new OS at rebuild_date', async () => {
    const id = randomUUID();
    await createInstance(id, { os_version: '12.04' });
    const rebuilt = await api.call('PUT', `/v1/instance/${id}/rebuild`, {
      body: { distro: 'Ubuntu', version: '14.04', os_type: 'Linux', rebuild_date: '2016-01-01T18:40:00Z' },
    });
    expect(rebuilt.status).toBe(200);

    const listed = await listInstances('2016-01-01 18:39:00.000', '2016-01-01 18:41:00.000');
    expect(listed.json).toContainEqual(
      expect.objectContaining({
        entity_id: id,
        os: { distro: 'Ubuntu', os_type: 'Linux', version: '14.04' },
        start: '2016-01-01 18:40:00+00:00',
        end: null,
      }),
    );
  });

  it('answers 400 naming the missing version field', async () => {
    const response = await api.call('PUT', `/v1/instance/${randomUUID()}/rebuild`, {
      body: { distro: 'Ubuntu', os_type: 'Linux', rebuild_date: 'A_BAD_DATE' },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: "The 'version' param is mandatory for the request you have made.",
    });
  });

  it('answers 400 with the invalid-date message for a bad rebuild_date', async () => {
    const response = await api.call('PUT', `/v1/instance/${randomUUID()}/rebuild`, {
      body: { distro: 'Ubuntu', version: '14.04', os_type: 'Linux', rebuild_date: 'A_BAD_DATE' },
    });
    expect(response.json).toEqual(INVALID_DATE);
  });

  it('answers 404 for an unknown instance', async () => {
    const id = randomUUID();
    const response = await api.call('PUT', `/v1/instance/${id}/rebuild`, {
      body: { distro: 'Ubuntu', version: '14.04', os_type: 'Linux', rebuild_date: '2016-01-01T18:40:00Z' },
    });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: `Entity ${id} not found` });
  });
});

describe('API writes and notifications', () => {
  it('give the same versions for the same create, resize and delete', async () => {
    const viaApi = randomUUID();
    const viaNotifications = randomUUID();
    const project = randomUUID();
    const os = { os_type: 'linux', distro: 'ubuntu', version: '16.04' };
    await createInstance(
      viaApi,
      {
        created_at: '2016-11-24 15:14:08+00:00',
        name: 'web-01',
        flavor: 'm1.small',
        os_type: os.os_type,
        os_distro: os.distro,
        os_version: os.version,
      },
      project,
    );
    await api.call('PUT', `/v1/instance/${viaApi}/resize`, {
      body: { date: '2016-11-24T16:00:00Z', flavor: 'm1.large' },
    });
    await api.call('DELETE', `/v1/instance/${viaApi}`, { body: { date: '2016-11-24T18:00:00Z' } });

    const common = { instanceId: viaNotifications, tenantId: project, name: 'web-01' };
    await api.notifications.ingestAll([
      instanceCreated({
        ...common,
        flavor: 'm1.small',
        createdAt: new Date('2016-11-24T15:14:08Z'),
        imageMeta: os,
      }),
      instanceResized({ ...common, flavor: 'm1.large', timestamp: new Date('2016-11-24T16:00:00Z') }),
      instanceDeleted({ ...common, terminatedAt: new Date('2016-11-24T18:00:00Z') }),
    ]);

    const fromApi = await api.store.entities.versionsOf(viaApi);
    const fromNotifications = await api.store.entities.versionsOf(viaNotifications);
    expect(fromApi).toHaveLength(2);
    expect(fromApi.map(({ entity_id, ...rest }) => rest)).toEqual(
      fromNotifications.map(({ entity_id, ...rest }) => rest),
    );
  });
});
