import { describe, expect, it } from 'vitest';
import { instanceCreated } from '#dev/simulator/nova';
import { type OsloMessage, rabbitBody } from '#dev/simulator/oslo-envelope';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import type { TestApi } from '#test/helpers/api-harness';
import { defaultRules, ingestorFor, silentLogger } from '#test/helpers/ingest-harness';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-records';
import { FUZZ_INSTANCE, FUZZ_PROJECT, FUZZ_TYPE, FUZZ_VOLUME, useSeededApi } from './api-arbitraries.ts';
import { nested } from './notification-arbitraries.ts';

/**
 * Explicit hostile inputs, to the API (default limits: 1 MiB bodies) and to the ingest handler: each is
 * refused with a 4xx or a malformation naming what is wrong, or taken as a literal that matches nothing,
 * and the store never changes because of it.
 */
let api: TestApi;
useSeededApi('hostile_input', (started) => {
  api = started;
});

const MIB = 1_048_576;
const PERIOD = 'start=2016-01-01%2000:00:00.000';
const DEEP = 100_000;

/** Sends raw bytes: fetch would re-encode a string as valid UTF-8. */
async function sendBytes(method: string, path: string, bytes: Buffer) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { 'X-Auth-Token': 'secret', 'Content-Type': 'application/json' },
    body: bytes,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, json: await response.json().catch(() => undefined) };
}

async function expectUnchangedBy(request: () => Promise<{ status: number }>, status: number) {
  const before = await api.snapshot();
  expect((await request()).status).toBe(status);
  expect(await api.snapshot()).toEqual(before);
}

describe('oversized and deeply nested API bodies', () => {
  it('refuses a body over 1 MiB with 413 and records nothing', async () => {
    await expectUnchangedBy(
      () => api.call('POST', '/v1/volume_type', { body: { type_id: 'big', type_name: 'x'.repeat(MIB) } }),
      413,
    );
  });

  it('refuses a body of 100,000 nested arrays with a 400', async () => {
    await expectUnchangedBy(
      () =>
        api.call('PUT', `/v1/volume/${FUZZ_VOLUME}/detach`, {
          rawBody: `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
        }),
      400,
    );
  });

  it('refuses 100,000 levels of nesting inside a body field with a 400 naming the field', async () => {
    const before = await api.snapshot();
    const metadata = `{"deep":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`;
    const response = await api.call('PUT', `/v1/entity/instance/${FUZZ_INSTANCE}`, {
      rawBody: `{"metadata":${metadata}}`,
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: expect.stringMatching(/^metadata\.deep(\.0)*: must not nest deeper/),
    });
    expect(await api.snapshot()).toEqual(before);
  });

  it('refuses a body whose invalid UTF-8 bytes break its JSON with a 400', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"type_id": '),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('}'),
    ]);
    await expectUnchangedBy(() => sendBytes('POST', '/v1/volume_type', bytes), 400);
  });

  it('takes invalid UTF-8 bytes inside a string as replacement characters, not as a fault', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"type_id": "utf8-'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('", "type_name": "n"}'),
    ]);
    expect((await sendBytes('POST', '/v1/volume_type', bytes)).status).toBe(201);
    const stored = await api.call('GET', `/v1/volume_type/${encodeURIComponent('utf8-\ufffd\ufffd')}`);
    expect(stored.json).toEqual({ volume_type_id: 'utf8-\ufffd\ufffd', volume_type_name: 'n' });
  });
});

describe('NoSQL injection shapes in the API', () => {
  it.each([
    ['an operator object as an entity id', 'GET', `/v1/entity/${encodeURIComponent('{"$ne":null}')}`],
    ['an operator name as an entity id', 'HEAD', '/v1/entity/$ne'],
    ['an operator object as a volume type id', 'GET', `/v1/volume_type/${encodeURIComponent('{"$gt":""}')}`],
    ['a $where clause as an entity id', 'GET', `/v1/entity/${encodeURIComponent("this.entity_id != ''")}`],
  ])('takes %s as a literal id that matches nothing (404)', async (_, method, path) => {
    await expectUnchangedBy(() => api.call(method, path), 404);
  });

  it('takes an operator name as a literal project id that lists nothing', async () => {
    const response = await api.call(
      'GET',
      `/v1/project/${encodeURIComponent('{"$ne":null}')}/entities?${PERIOD}`,
    );
    expect(response.status).toBe(200);
    expect(response.json).toEqual([]);
  });

  it("reads ?start[$ne]=x as a parameter named 'start[$ne]', so start is missing", async () => {
    const response = await api.call('GET', `/v1/project/${FUZZ_PROJECT}/entities?start[$ne]=x`);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: "The 'start' param is mandatory for the request you have made." });
  });

  it('ignores query parameters shaped like operators beside a valid period', async () => {
    const response = await api.call(
      'GET',
      `/v1/project/${FUZZ_PROJECT}/entities?${PERIOD}&end[$gt]=&$where=1`,
    );
    expect(response.status).toBe(200);
    expect(response.json).toHaveLength(2);
  });

  it('refuses a forged cursor carrying an operator with a 400 naming the cursor', async () => {
    const cursor = Buffer.from(JSON.stringify({ entityId: { $gt: '' }, index: 0 })).toString('base64url');
    const response = await api.call('GET', `/v1/project/${FUZZ_PROJECT}/entities?${PERIOD}&cursor=${cursor}`);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'cursor: is not a cursor this API issued' });
  });

  it('refuses an operator object as a body id with a 400', async () => {
    await expectUnchangedBy(
      () => api.call('POST', '/v1/volume_type', { body: { type_id: { $ne: null }, type_name: 'x' } }),
      400,
    );
  });

  it('refuses an operator object among attachments with a 400', async () => {
    await expectUnchangedBy(
      () =>
        api.call('PUT', `/v1/volume/${FUZZ_VOLUME}/attach`, {
          body: { date: '2016-06-01T00:00:00Z', attachments: [{ $ne: null }] },
        }),
      400,
    );
  });

  it('refuses a $-prefixed body key with a 400 naming it', async () => {
    const before = await api.snapshot();
    const response = await api.call('POST', '/v1/volume_type', {
      body: { type_id: 't', type_name: 'n', $where: 'sleep(1000)' },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: "$where: keys must not start with '$'" });
    expect(await api.snapshot()).toEqual(before);
  });

  it('refuses a $-prefixed metadata key in an entity update with a 400 naming it', async () => {
    const before = await api.snapshot();
    const response = await api.call('PUT', `/v1/entity/instance/${FUZZ_INSTANCE}`, {
      body: { metadata: { nested: { $where: 'x' } } },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: "metadata.nested.$where: keys must not start with '$'" });
    expect(await api.snapshot()).toEqual(before);
  });

  it('refuses a NUL character in a path parameter with a 400 naming it', async () => {
    const before = await api.snapshot();
    const response = await api.call('GET', '/v1/volume_type/a%00b');
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'type_id: must not contain NUL characters' });
    expect(await api.snapshot()).toEqual(before);
  });

  it('stores dotted metadata keys, nested too, as literal keys', async () => {
    const metadata = { 'a.b': 'literal', nested: { 'c.d': 'also' } };
    const response = await api.call('PUT', `/v1/entity/instance/${FUZZ_INSTANCE}`, { body: { metadata } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ metadata });
  });

  it('keeps a volume type named like an operator as its literal name', async () => {
    expect(
      (await api.call('POST', '/v1/volume_type', { body: { type_id: '$ne', type_name: '$where' } })).status,
    ).toBe(201);
    const response = await api.call('GET', '/v1/volume_type/$ne');
    expect(response.json).toEqual({ volume_type_id: '$ne', volume_type_name: '$where' });
    expect((await api.call('GET', `/v1/volume_type/${FUZZ_TYPE}`)).status).toBe(200);
  });
});

describe('hostile notifications', () => {
  const logger = silentLogger();
  const ingestor = () =>
    ingestorFor(
      api.store,
      defaultRules({ INSTANCE_METADATA_WHITELIST: 'deep,role', INSTANCE_IMAGE_META_WHITELIST: 'distro' }),
    );

  /** One body through the Lambda's handler: refused (for the dead-letter queue) or stored. */
  async function ingestOne(body: string): Promise<'refused' | 'stored'> {
    const { context, metrics } = ingestor();
    const handler = createSqsIngestHandler({ ingest: context, logger, metrics });
    // Two records: Powertools fails a batch whose every record failed as a whole.
    const companion = rabbitBody(
      instanceCreated({ instanceId: 'hostile-companion', messageId: 'hostile-companion' }),
    );
    const event = sqsEvent([body, companion]);
    const { batchItemFailures } = await handler(event, lambdaContext);
    expect(metrics.get('FailedNotifications')).toBe(0);
    return batchItemFailures.some((failure) => failure.itemIdentifier === event.Records[0]?.messageId)
      ? 'refused'
      : 'stored';
  }

  async function expectRefused(body: string): Promise<void> {
    await ingestOne(
      rabbitBody(instanceCreated({ instanceId: 'hostile-companion', messageId: 'hostile-companion' })),
    );
    const before = await api.snapshot();
    expect(await ingestOne(body)).toBe('refused');
    expect(await api.snapshot()).toEqual(before);
  }

  const withPayload = (payload: Record<string, unknown>): OsloMessage =>
    instanceCreated({ instanceId: crypto.randomUUID(), payload });

  it('stores a notification over 256 KiB whose extra bulk is in fields it does not keep', async () => {
    const body = rabbitBody(withPayload({ padding: 'x'.repeat(300 * 1024) }));
    expect(Buffer.byteLength(body)).toBeGreaterThan(256 * 1024);
    expect(await ingestOne(body)).toBe('stored');
  });

  it('dead-letters 300 KiB of garbage', async () => {
    await expectRefused('{'.repeat(300 * 1024));
  });

  it('dead-letters a body of 100,000 nested arrays', async () => {
    await expectRefused(`${'['.repeat(DEEP)}${']'.repeat(DEEP)}`);
  });

  it('dead-letters an oslo.message of 100,000 nested arrays', async () => {
    await expectRefused(
      JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': `${'['.repeat(DEEP)}${']'.repeat(DEEP)}` }),
    );
  });

  it('dead-letters a notification with 100,000 levels of nesting in a kept metadata value', async () => {
    const message = JSON.stringify(withPayload({ metadata: { deep: 'DEEP' } })).replace(
      '"DEEP"',
      `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
    );
    await expectRefused(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': message }));
  });

  it('dead-letters a notification whose kept metadata nests past the limit', async () => {
    await expectRefused(rabbitBody(withPayload({ metadata: { deep: nested(40, 'object') } })));
  });

  it('dead-letters a notification whose invalid UTF-8 bytes break its JSON', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"oslo.version": "2.0", "oslo.message": '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('}'),
    ]);
    await expectRefused(bytes.toString('utf8'));
  });

  it('stores invalid UTF-8 bytes inside a name as replacement characters', async () => {
    const name = Buffer.concat([Buffer.from('web-'), Buffer.from([0xff, 0xfe])]).toString('utf8');
    const instanceId = crypto.randomUUID();
    expect(await ingestOne(rabbitBody(instanceCreated({ instanceId, payload: { hostname: name } })))).toBe(
      'stored',
    );
    const [version] = (await api.call('GET', `/v1/entity/${instanceId}`)).json as { name: string }[];
    expect(version?.name).toBe('web-\ufffd\ufffd');
  });

  it('dead-letters an operator object as the instance id', async () => {
    await expectRefused(rabbitBody(withPayload({ instance_id: { $ne: null } })));
  });

  it('dead-letters a $-prefixed key in kept metadata', async () => {
    await expectRefused(rabbitBody(withPayload({ metadata: { role: { $where: 'sleep(1000)' } } })));
  });

  it('dead-letters a NUL character in the message id', async () => {
    await expectRefused(rabbitBody({ ...withPayload({}), message_id: 'id\u0000' }));
  });
});
