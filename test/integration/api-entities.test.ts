import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestApi, type TestApi } from '#test/helpers/api-harness';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('api_entities');
});

afterAll(async () => {
  await api.close();
});

async function createInstance(created_at = '2016-01-01T18:30:00Z'): Promise<string> {
  const id = randomUUID();
  await api.call('POST', '/v1/project/my_test_project_id/instance', {
    body: {
      id,
      created_at,
      name: 'integration_test_instance_FlavorA',
      flavor: 'FlavorA',
      os_type: 'Linux',
      os_distro: 'Ubuntu',
      os_version: '14.04',
    },
  });
  return id;
}

describe('HEAD /v1/entity/{entity_id}', () => {
  it('answers 200 with an empty body when the entity exists', async () => {
    const id = await createInstance();
    const response = await api.call('HEAD', `/v1/entity/${id}`);
    expect([response.status, response.text]).toEqual([200, '']);
  });

  it('answers 404 with an empty body when it does not', async () => {
    const response = await api.call('HEAD', '/v1/entity/some_uuid');
    expect([response.status, response.text]).toEqual([404, '']);
  });
});

describe('GET /v1/entity/{entity_id}', () => {
  it('lists every version of the entity, oldest first', async () => {
    const id = await createInstance();
    await api.call('PUT', `/v1/instance/${id}/resize`, {
      body: { date: '2016-01-01T19:00:00Z', flavor: 'FlavorB' },
    });
    const response = await api.call('GET', `/v1/entity/${id}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual([
      expect.objectContaining({ entity_id: id, flavor: 'FlavorA', end: '2016-01-01 19:00:00+00:00' }),
      expect.objectContaining({ entity_id: id, flavor: 'FlavorB', end: null }),
    ]);
  });

  it('answers 404 with "Entity not found" for an unknown entity', async () => {
    const response = await api.call('GET', '/v1/entity/foobar');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: 'Entity not found' });
  });
});

describe('PUT /v1/entity/instance/{instance_id} on the running version', () => {
  it('updates several attributes and answers the updated version', async () => {
    const id = await createInstance();
    const response = await api.call('PUT', `/v1/entity/instance/${id}`, {
      body: { start_date: '2016-04-14T18:30:00.00Z', flavor: 'FlavorB' },
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      entity_id: id,
      start: '2016-04-14 18:30:00+00:00',
      flavor: 'FlavorB',
    });
    expect(await api.store.entities.versionsOf(id)).toEqual([expect.objectContaining({ flavor: 'FlavorB' })]);
  });

  it('answers 400 naming each wrong attribute, and records nothing', async () => {
    const id = await createInstance();
    const before = await api.snapshot();
    const response = await api.call('PUT', `/v1/entity/instance/${id}`, {
      body: { start_date: '2016-04-14T18:30:00.00Z', flavor: 123, os: 123 },
    });
    expect(response.status).toBe(400);
    const { error } = z.object({ error: z.record(z.string(), z.string()) }).parse(response.json);
    expect(Object.keys(error).sort()).toEqual(['flavor', 'os']);
    expect(await api.snapshot()).toEqual(before);
  });

  it('answers 400 for an unknown attribute', async () => {
    const id = await createInstance();
    const response = await api.call('PUT', `/v1/entity/instance/${id}`, {
      body: { flavor_flavor: 'FlavorA' },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { flavor_flavor: 'extra keys not allowed' } });
  });

  it('answers 400 for a date in another format', async () => {
    const id = await createInstance();
    const response = await api.call('PUT', `/v1/entity/instance/${id}`, { body: { start_date: 'my date' } });
    expect(response.json).toEqual({
      error: { start_date: 'value does not match expected format %Y-%m-%dT%H:%M:%S.%fZ' },
    });
  });

  it('answers 404 when the instance has no running version', async () => {
    const id = randomUUID();
    const response = await api.call('PUT', `/v1/entity/instance/${id}`, { body: { flavor: 'FlavorB' } });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: `Entity ${id} not found` });
  });
});

describe('PUT /v1/entity/instance/{instance_id}?start&end on a closed version', () => {
  it('updates the closed version lying in the period and moves its end', async () => {
    const id = await createInstance();
    await api.call('DELETE', `/v1/instance/${id}`, { body: { date: '2016-01-01T18:50:00Z' } });
    const response = await api.call(
      'PUT',
      `/v1/entity/instance/${id}?start=2016-01-01%2018:29:59.0&end=2016-01-01%2018:50:00.0`,
      { body: { flavor: 'FlavorB', end_date: '2016-01-02 18:50:00.0Z' } },
    );
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ flavor: 'FlavorB', end: '2016-01-02 18:50:00+00:00' });
  });

  it('answers 404 when no closed version lies in the period', async () => {
    const id = await createInstance();
    const response = await api.call(
      'PUT',
      `/v1/entity/instance/${id}?start=2016-01-01%2000:00:00.0&end=2016-01-02%2000:00:00.0`,
      { body: { flavor: 'FlavorB' } },
    );
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: `InstanceId: ${id} Not Found with start` });
  });

  it('answers 400 when several closed versions lie in the period', async () => {
    const id = await createInstance();
    await api.call('PUT', `/v1/instance/${id}/resize`, {
      body: { date: '2016-01-01T19:00:00Z', flavor: 'FlavorB' },
    });
    await api.call('DELETE', `/v1/instance/${id}`, { body: { date: '2016-01-01T20:00:00Z' } });
    const response = await api.call(
      'PUT',
      `/v1/entity/instance/${id}?start=2016-01-01%2000:00:00.0&end=2016-01-02%2000:00:00.0`,
      { body: { flavor: 'FlavorC' } },
    );
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'Multiple entities found while updating a closed entity' });
  });
});
