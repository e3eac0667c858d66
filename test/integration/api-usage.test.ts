import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  volumeAttached,
  volumeCreated,
  volumeDeleted,
  volumeDetached,
  volumeResized,
  volumeTypeCreated,
} from '#dev/simulator/cinder';
import { instanceCreated, instanceDeleted, instanceResized } from '#dev/simulator/nova';
import { startTestApi, type TestApi } from '#test/helpers/api-harness';

let api: TestApi;
const PROJECT = randomUUID();
const OTHER_PROJECT = randomUUID();
const SSD = randomUUID();
const day = (d: number, h = 0) => new Date(Date.UTC(2016, 0, d, h));
const HOUR = 3600;

beforeAll(async () => {
  api = await startTestApi('api_usage');
  const web = { instanceId: randomUUID(), tenantId: PROJECT, name: 'web' };
  const db = { instanceId: randomUUID(), tenantId: PROJECT, name: 'db' };
  const data = { volumeId: randomUUID(), tenantId: PROJECT, volumeTypeId: SSD, size: 10 };
  await api.notifications.ingestAll([
    volumeTypeCreated({ volumeTypeId: SSD, name: 'ssd' }),
    // web: m1.small from Jan 1 00:00, resized to m1.large at 06:00, deleted Jan 2 00:00.
    instanceCreated({ ...web, flavor: 'm1.small', createdAt: day(1) }),
    instanceResized({ ...web, flavor: 'm1.large', timestamp: day(1, 6) }),
    instanceDeleted({ ...web, terminatedAt: day(2) }),
    // db: running since Dec 31 12:00 (cut by the period start), never deleted.
    instanceCreated({ ...db, flavor: 'm1.small', createdAt: new Date(Date.UTC(2015, 11, 31, 12)) }),
    // data: 10 GB from Jan 1, attached 01:00-02:00, 20 GB from 03:00, deleted 05:00.
    volumeCreated({ ...data, createdAt: day(1) }),
    volumeAttached({ ...data, attachments: [web.instanceId], timestamp: day(1, 1) }),
    volumeDetached({ ...data, attachments: [], timestamp: day(1, 2) }),
    volumeResized({ ...data, size: 20, timestamp: day(1, 3) }),
    volumeDeleted({ ...data, timestamp: day(1, 5) }),
    instanceCreated({ tenantId: OTHER_PROJECT, flavor: 'm1.tiny', createdAt: day(1) }),
  ]);
});

afterAll(async () => {
  await api.close();
});

const PERIOD = 'start=2016-01-01%2000:00:00.000&end=2016-01-03%2000:00:00.000';

describe('GET /v1/project/{project_id}/usage', () => {
  it('reports instance hours per flavor and per OS and volume GB-hours per type, clipped to the period', async () => {
    const response = await api.call('GET', `/v1/project/${PROJECT}/usage?${PERIOD}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      project_id: PROJECT,
      start: '2016-01-01 00:00:00+00:00',
      end: '2016-01-03 00:00:00+00:00',
      instances: {
        count: 2,
        seconds: 24 * HOUR + 48 * HOUR,
        hours: 72,
        by_flavor: [
          { flavor: 'm1.large', count: 1, seconds: 18 * HOUR, hours: 18 },
          { flavor: 'm1.small', count: 2, seconds: 6 * HOUR + 48 * HOUR, hours: 54 },
        ],
        by_os: [
          { os_type: 'linux', distro: 'ubuntu', version: '16.04', count: 2, seconds: 72 * HOUR, hours: 72 },
        ],
      },
      volumes: {
        count: 1,
        seconds: 5 * HOUR,
        hours: 5,
        gigabyte_seconds: (10 * 3 + 20 * 2) * HOUR,
        gigabyte_hours: 70,
        by_volume_type: [
          {
            volume_type: 'ssd',
            count: 1,
            seconds: 5 * HOUR,
            hours: 5,
            gigabyte_seconds: 70 * HOUR,
            gigabyte_hours: 70,
          },
        ],
      },
    });
  });

  it('answers the same usage as CSV lines', async () => {
    const response = await api.call('GET', `/v1/project/${PROJECT}/usage?${PERIOD}`, {
      headers: { Accept: 'text/csv' },
    });
    expect(response.text.split('\r\n')).toEqual([
      'project_id,resource,dimension,key,count,seconds,hours,gigabyte_seconds,gigabyte_hours',
      `${PROJECT},instance,total,,2,259200,72,,`,
      `${PROJECT},instance,flavor,m1.large,1,64800,18,,`,
      `${PROJECT},instance,flavor,m1.small,2,194400,54,,`,
      `${PROJECT},instance,os,linux/ubuntu/16.04,2,259200,72,,`,
      `${PROJECT},volume,total,,1,18000,5,252000,70`,
      `${PROJECT},volume,volume_type,ssd,1,18000,5,252000,70`,
      '',
    ]);
  });

  it('reports nothing for a project without versions in the period', async () => {
    const response = await api.call('GET', `/v1/project/${randomUUID()}/usage?${PERIOD}`);
    expect(response.json).toMatchObject({
      instances: { count: 0, seconds: 0 },
      volumes: { count: 0, seconds: 0 },
    });
  });

  it('answers 400 when start is missing', async () => {
    const response = await api.call('GET', `/v1/project/${PROJECT}/usage`);
    expect(response.json).toEqual({ error: "The 'start' param is mandatory for the request you have made." });
  });
});

describe('GET /v1/usage', () => {
  const usageSchema = z.object({
    projects: z.array(z.object({ project_id: z.string() })),
    next_cursor: z.string().nullable(),
  });

  it('reports every project with versions in the period', async () => {
    const response = await api.call('GET', `/v1/usage?${PERIOD}`);
    const { projects, next_cursor } = usageSchema.parse(response.json);
    expect(projects.map((p) => p.project_id)).toEqual([PROJECT, OTHER_PROJECT].sort());
    expect(next_cursor).toBeNull();
  });

  it('pages by project with limit and cursor', async () => {
    const first = usageSchema.parse((await api.call('GET', `/v1/usage?${PERIOD}&limit=1`)).json);
    expect(first.projects).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const second = usageSchema.parse(
      (await api.call('GET', `/v1/usage?${PERIOD}&limit=1&cursor=${first.next_cursor}`)).json,
    );
    expect([...first.projects, ...second.projects].map((p) => p.project_id)).toEqual(
      [PROJECT, OTHER_PROJECT].sort(),
    );
    expect(second.next_cursor).toBeNull();
  });
});
