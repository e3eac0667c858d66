import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { apiConfigSchema } from '#config/api-schema';
import { loadConfig } from '#config/schema';
import { volumeCreated } from '#dev/simulator/cinder';
import { instanceCreated, instanceResized } from '#dev/simulator/nova';
import { type ApiServer, startApiServer } from '#http/local-server';
import { startTestApi, type TestApi, TOKEN } from '#test/helpers/api-harness';
import { ingestorFor, openTestStore, type TestStore } from '#test/helpers/ingest-harness';
import { startTcpProxy, type TcpProxy } from '#test/helpers/tcp-proxy';

const PERIOD = 'start=2016-01-01%2000:00:00.000&end=2016-02-01%2000:00:00.000';
const at = (hour: number) => new Date(Date.UTC(2016, 0, 2, hour));

describe('unpaginated lists above API_MAX_LIST_BYTES', () => {
  let api: TestApi;
  const project = randomUUID();
  const volume = randomUUID();
  const resized = { instanceId: randomUUID(), tenantId: randomUUID() };

  beforeAll(async () => {
    // An instance version is about 330 bytes of JSON: five of them outgrow the smallest bound.
    api = await startTestApi('api_list_bound', { API_MAX_LIST_BYTES: '1024' });
    await api.notifications.ingestAll([
      ...Array.from({ length: 5 }, (_, hour) => instanceCreated({ tenantId: project, createdAt: at(hour) })),
      volumeCreated({ tenantId: project, volumeId: volume, createdAt: at(0), size: 1 }),
      instanceCreated({ ...resized, flavor: 'f0', createdAt: at(0) }),
      ...Array.from({ length: 4 }, (_, hour) =>
        instanceResized({ ...resized, flavor: `f${hour + 1}`, timestamp: at(hour + 1) }),
      ),
    ]);
  });

  afterAll(async () => {
    await api.close();
  });

  it.each(['instances', 'entities'])(
    'refuses /%s with 413 and a JSON error pointing to pagination',
    async (list) => {
      const response = await api.call('GET', `/v1/project/${project}/${list}?${PERIOD}`);
      expect(response.status).toBe(413);
      expect(response.json).toEqual({
        error: 'The list is larger than 1024 bytes: ask for it in pages with the limit and cursor parameters',
      });
    },
  );

  it('refuses the versions of an entity with 413 the same way', async () => {
    const response = await api.call('GET', `/v1/entity/${resized.instanceId}`);
    expect(response.status).toBe(413);
    expect(response.json).toEqual({ error: expect.stringMatching(/^The list is larger than 1024 bytes/) });
  });

  it('still answers a list within the bound whole, as Almanach does', async () => {
    const response = await api.call('GET', `/v1/project/${project}/volumes?${PERIOD}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual([expect.objectContaining({ entity_id: volume })]);
  });

  it('serves the same list page by page', async () => {
    const response = await api.call('GET', `/v1/project/${project}/instances?${PERIOD}&limit=2`);
    expect(response.status).toBe(200);
    expect(z.array(z.unknown()).parse(response.json)).toHaveLength(2);
  });
});

describe('GET /v1/usage without limit', () => {
  let api: TestApi;

  beforeAll(async () => {
    // With API_MAX_PAGE_SIZE below the default page size, the default page is the largest one allowed.
    api = await startTestApi('api_usage_default_page', { API_MAX_PAGE_SIZE: '2' });
    await api.notifications.ingestAll(
      Array.from({ length: 3 }, (_, hour) =>
        instanceCreated({ tenantId: randomUUID(), createdAt: at(hour) }),
      ),
    );
  });

  afterAll(async () => {
    await api.close();
  });

  it('answers one page of projects and the cursor of the next', async () => {
    const response = await api.call('GET', `/v1/usage?${PERIOD}`);
    const body = z
      .object({ projects: z.array(z.unknown()), next_cursor: z.string().nullable() })
      .parse(response.json);
    expect(body.projects).toHaveLength(2);
    expect(body.next_cursor).not.toBeNull();
  });
});

describe('a store that stops answering', () => {
  let proxy: TcpProxy;
  let store: TestStore;
  let server: ApiServer;
  const project = randomUUID();

  beforeAll(async () => {
    const target = new URL(inject('mongoUri'));
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    target.port = String(proxy.port);
    store = await openTestStore('api_hung_store', target.toString(), {
      MONGODB_SOCKET_TIMEOUT_MS: '1000',
      MONGODB_MAX_TIME_MS: '500',
    });
    await ingestorFor(store).ingestAll([instanceCreated({ tenantId: project, createdAt: at(0) })]);
    server = await startApiServer({
      store,
      config: loadConfig(apiConfigSchema, { MONGODB_URI: 'unused: the store is open', PORT: '0' }),
      logger: new Logger({ serviceName: 'almanach-api-test', logLevel: 'SILENT' }),
    });
  });

  afterAll(async () => {
    proxy.delayResponses(0);
    await server.close();
    await store.close();
    await proxy.close();
  });

  it('fails a read with a 500 JSON body instead of hanging the request', async () => {
    proxy.delayResponses(60_000);
    const response = await fetch(`${server.url}/v1/project/${project}/instances?${PERIOD}`, {
      headers: { 'X-Auth-Token': TOKEN },
      // Far above the socket timeout: without it the request would still be waiting here.
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'Internal server error' });
  });
});
