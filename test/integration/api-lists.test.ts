import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { volumeAttached, volumeCreated, volumeTypeCreated } from '#dev/simulator/cinder';
import { instanceCreated, instanceDeleted } from '#dev/simulator/nova';
import { startTestApi, type TestApi } from '#test/helpers/api-harness';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('api_lists');
});

afterAll(async () => {
  await api.close();
});

const query = (start: string, end?: string) =>
  `start=${encodeURIComponent(start)}${end === undefined ? '' : `&end=${encodeURIComponent(end)}`}`;

describe("Almanach's documented examples, from ingested notifications", () => {
  const project = 'ce2d9f6bde52447a831887aac8b7ec98';
  const instanceId = 'b5a4b119-7444-4993-afda-89b8f8f70147';
  const volumeId = '020f3636-6a8a-4a37-beb0-0735074175a9';
  const instanceJson = {
    entity_id: instanceId,
    end: null,
    name: 'my.host.name.com',
    last_event: '2016-11-24 21:15:35+00:00',
    entity_type: 'instance',
    start: '2016-11-24 21:15:35+00:00',
    flavor: 'my_flavor_name',
    project_id: project,
    os: { os_type: 'linux', version: '7', distro: 'centos' },
    metadata: {},
  };
  const volumeJson = {
    entity_id: volumeId,
    attached_to: [instanceId],
    end: null,
    name: 'my.host.name.com-volume',
    last_event: '2016-11-24 21:16:47.106000+00:00',
    entity_type: 'volume',
    volume_type: 'my_volume_type1',
    start: '2016-11-24 21:16:47.106000+00:00',
    project_id: project,
    size: 20,
  };

  beforeAll(async () => {
    const typeId = randomUUID();
    const volumeCreatedAt = new Date('2016-11-24T21:16:47.106Z');
    await api.notifications.ingestAll([
      volumeTypeCreated({ volumeTypeId: typeId, name: 'my_volume_type1' }),
      instanceCreated({
        instanceId,
        tenantId: project,
        hostname: 'my.host.name.com',
        flavor: 'my_flavor_name',
        createdAt: new Date('2016-11-24T21:15:35Z'),
        imageMeta: { os_type: 'linux', distro: 'centos', version: '7' },
      }),
      volumeCreated({
        volumeId,
        tenantId: project,
        name: 'my.host.name.com-volume',
        volumeTypeId: typeId,
        size: 20,
        createdAt: volumeCreatedAt,
      }),
      volumeAttached({ volumeId, tenantId: project, attachments: [instanceId], timestamp: volumeCreatedAt }),
    ]);
  });

  it('lists the entities of doc/source/api_examples/output/entities.json', async () => {
    const response = await api.call(
      'GET',
      `/v1/project/${project}/entities?${query('2016-11-24 00:00:00.000')}`,
    );
    expect(response.status).toBe(200);
    expect(response.json).toEqual([volumeJson, instanceJson]);
  });

  it('lists only instances on /instances and only volumes on /volumes', async () => {
    const instances = await api.call(
      'GET',
      `/v1/project/${project}/instances?${query('2016-11-24 00:00:00.000')}`,
    );
    const volumes = await api.call(
      'GET',
      `/v1/project/${project}/volumes?${query('2016-11-24 00:00:00.000')}`,
    );
    expect([instances.json, volumes.json]).toEqual([[instanceJson], [volumeJson]]);
  });

  it('serves the same lists without the /v1 prefix', async () => {
    const response = await api.call(
      'GET',
      `/project/${project}/instances?${query('2016-11-24 00:00:00.000')}`,
    );
    expect(response.json).toEqual([instanceJson]);
  });

  it('answers the entity of doc/api_examples/output/entity.json on GET /entity/{id}', async () => {
    expect((await api.call('GET', `/v1/entity/${instanceId}`)).json).toEqual([instanceJson]);
  });

  it('counts entity versions, and running ones, on GET /info', async () => {
    const response = await api.call('GET', '/v1/info', { token: null });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      info: { version: expect.any(String) },
      database: { all_entities: expect.any(Number), active_entities: expect.any(Number) },
    });
  });
});

describe('period overlap', () => {
  const project = randomUUID();
  const ids = {
    before: randomUUID(),
    endsAtStart: randomUUID(),
    startsAtEnd: randomUUID(),
    after: randomUUID(),
    running: randomUUID(),
  };

  beforeAll(async () => {
    const lifetime = (instanceId: string, from: string, to?: string) => [
      instanceCreated({ instanceId, tenantId: project, createdAt: new Date(from) }),
      ...(to ? [instanceDeleted({ instanceId, tenantId: project, terminatedAt: new Date(to) })] : []),
    ];
    await api.notifications.ingestAll([
      ...lifetime(ids.before, '2016-01-01T00:00:00Z', '2016-01-01T09:59:59Z'),
      ...lifetime(ids.endsAtStart, '2016-01-01T00:00:00Z', '2016-01-01T10:00:00Z'),
      ...lifetime(ids.startsAtEnd, '2016-01-01T12:00:00Z', '2016-01-01T13:00:00Z'),
      ...lifetime(ids.after, '2016-01-01T12:00:01Z', '2016-01-01T13:00:00Z'),
      ...lifetime(ids.running, '2015-06-01T00:00:00Z'),
    ]);
  });

  const listedIds = async (path: string) => {
    const response = await api.call('GET', path);
    return z
      .array(z.object({ entity_id: z.string() }))
      .parse(response.json)
      .map((version) => version.entity_id)
      .sort();
  };

  it('returns versions with start <= end and (end null or end >= start), boundaries included', async () => {
    const listed = await listedIds(
      `/v1/project/${project}/instances?${query('2016-01-01 10:00:00.000', '2016-01-01 12:00:00.000')}`,
    );
    expect(listed).toEqual([ids.endsAtStart, ids.startsAtEnd, ids.running].sort());
  });

  it('takes now as the end when none is given', async () => {
    const listed = await listedIds(`/v1/project/${project}/instances?${query('2016-01-01 12:30:00.000')}`);
    expect(listed).toEqual([ids.startsAtEnd, ids.after, ids.running].sort());
  });

  it('answers 400 when start is missing', async () => {
    const response = await api.call('GET', `/v1/project/${project}/instances?end=2016-01-01%2000:00:00.000`);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: "The 'start' param is mandatory for the request you have made." });
  });

  it('answers 400 Invalid parameter or payload for a start in another format, as strptime fails in Almanach', async () => {
    const response = await api.call('GET', `/v1/project/${project}/entities?start=2016-01-01T00:00:00Z`);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'Invalid parameter or payload' });
  });

  it('answers an empty list for a project with nothing in the period', async () => {
    expect(
      await listedIds(`/v1/project/${randomUUID()}/entities?${query('2016-01-01 00:00:00.000')}`),
    ).toEqual([]);
  });
});

describe('pagination', () => {
  const project = randomUUID();
  const path = `/v1/project/${project}/entities?${query('2016-01-01 00:00:00.000')}`;

  beforeAll(async () => {
    await api.notifications.ingestAll(
      Array.from({ length: 5 }, (_, index) =>
        instanceCreated({ tenantId: project, createdAt: new Date(Date.UTC(2016, 0, 2, index)) }),
      ),
    );
  });

  it('returns every version in one body without limit or cursor', async () => {
    const response = await api.call('GET', path);
    expect(z.array(z.unknown()).parse(response.json)).toHaveLength(5);
    expect(response.headers.get('x-next-cursor')).toBeNull();
  });

  it('pages with limit and the cursor of each page until the last', async () => {
    const pages: unknown[][] = [];
    let next: string | null = `${path}&limit=2`;
    while (next !== null && pages.length < 10) {
      const response = await api.call('GET', next);
      pages.push(z.array(z.unknown()).parse(response.json));
      const cursor = response.headers.get('x-next-cursor');
      next = cursor === null ? null : `${path}&limit=2&cursor=${cursor}`;
    }
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual((await api.call('GET', path)).json);
  });

  it('links to the next page', async () => {
    const response = await api.call('GET', `${path}&limit=2`);
    expect(response.headers.get('link')).toMatch(/^<\/v1\/project\/.+\/entities\?.*cursor=.+>; rel="next"$/);
  });

  it('answers 400 naming the cursor when it was not issued by the API', async () => {
    const response = await api.call('GET', `${path}&cursor=not-a-cursor`);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'cursor: is not a cursor this API issued' });
  });

  it('answers 400 naming the limit when it is out of range', async () => {
    const response = await api.call('GET', `${path}&limit=0`);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: expect.stringMatching(/^limit: /) });
  });
});

describe('CSV', () => {
  it('answers a list as CSV when the client asks for text/csv', async () => {
    const project = randomUUID();
    const instanceId = randomUUID();
    await api.notifications.ingestAll([
      instanceCreated({
        instanceId,
        tenantId: project,
        flavor: 'm1.small',
        createdAt: new Date('2016-03-01T00:00:00Z'),
      }),
    ]);
    const response = await api.call(
      'GET',
      `/v1/project/${project}/entities?${query('2016-01-01 00:00:00.000')}`,
      {
        headers: { Accept: 'text/csv' },
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, row, end] = response.text.split('\r\n');
    expect(header).toBe(
      'entity_id,entity_type,project_id,name,start,end,last_event,flavor,os_type,os_distro,os_version,volume_type,size,attached_to,metadata',
    );
    expect(row).toMatch(
      new RegExp(`^${instanceId},instance,${project},web-01,2016-03-01 00:00:00\\+00:00,,.*,m1.small,`),
    );
    expect(end).toBe('');
  });
});

describe('GET /info under load', () => {
  let counted: TestApi;
  const clock = { now: new Date('2026-01-01T00:00:00Z') };

  beforeAll(async () => {
    counted = await startTestApi('api_info', {}, { now: () => clock.now });
  });

  afterAll(async () => {
    await counted.close();
  });

  const counts = async () => (await counted.call('GET', '/v1/info', { token: null })).json;
  const createVolume = (id: string) =>
    counted.call('POST', '/v1/project/p/volume', {
      body: {
        volume_id: id,
        start: '2016-01-01T00:00:00Z',
        volume_type: null,
        size: 1,
        volume_name: 'v',
        attached_to: [],
      },
    });

  it('serves the same counts for 30 seconds, then counts again', async () => {
    await createVolume('info-volume-1');
    const first = await counts();
    await createVolume('info-volume-2');
    expect(await counts()).toEqual(first);
    clock.now = new Date(clock.now.getTime() + 30_000);
    expect(await counts()).toMatchObject({ database: { all_entities: 2, active_entities: 2 } });
  });
});
