import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallOptions, startTestApi, type TestApi } from '#test/helpers/api-harness';

let api: TestApi;
const MAX_BODY_BYTES = 4_096;
const INSTANCE = 'bad-input-instance';
const VOLUME = 'bad-input-volume';

beforeAll(async () => {
  api = await startTestApi('api_bad_input', { API_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  await api.call('POST', '/v1/project/p/instance', {
    body: {
      id: INSTANCE,
      created_at: '2016-01-01T00:00:00Z',
      name: 'n',
      flavor: 'f',
      os_type: 'linux',
      os_distro: 'ubuntu',
      os_version: '16.04',
    },
  });
  await api.call('POST', '/v1/project/p/volume', {
    body: {
      volume_id: VOLUME,
      start: '2016-01-01T00:00:00Z',
      volume_type: null,
      size: 1,
      volume_name: 'v',
      attached_to: [],
    },
  });
});

afterAll(async () => {
  await api.close();
});

const INVALID_PAYLOAD = { error: 'Invalid parameter or payload' };
const INVALID_DATE = {
  error:
    'The provided date has an invalid format. Format should be of yyyy-mm-ddThh:mm:ss.msZ, ex: 2015-01-31T18:24:34.1523Z',
};

const badRequests: [string, string, string, CallOptions, number, unknown][] = [
  [
    'a body that is not JSON',
    'PUT',
    `/v1/instance/${INSTANCE}/resize`,
    { rawBody: '{"date": ' },
    400,
    INVALID_PAYLOAD,
  ],
  ['a JSON array body', 'DELETE', `/v1/instance/${INSTANCE}`, { body: ['2016-01-01'] }, 400, INVALID_PAYLOAD],
  ['a JSON null body', 'POST', '/v1/volume_type', { rawBody: 'null' }, 400, INVALID_PAYLOAD],
  [
    'a number as the date',
    'PUT',
    `/v1/volume/${VOLUME}/resize`,
    { body: { size: 2, date: 12 } },
    400,
    INVALID_DATE,
  ],
  [
    'a malformed body date',
    'PUT',
    `/v1/instance/${INSTANCE}/resize`,
    { body: { date: '2016-13-45', flavor: 'g' } },
    400,
    INVALID_DATE,
  ],
  [
    'a size that is not a number',
    'PUT',
    `/v1/volume/${VOLUME}/resize`,
    { body: { size: 'big', date: '2016-02-01T00:00:00Z' } },
    400,
    INVALID_PAYLOAD,
  ],
  [
    'a negative size',
    'PUT',
    `/v1/volume/${VOLUME}/resize`,
    { body: { size: -1, date: '2016-02-01T00:00:00Z' } },
    400,
    INVALID_PAYLOAD,
  ],
  [
    'a size of 400 nines',
    'PUT',
    `/v1/volume/${VOLUME}/resize`,
    { body: { size: '9'.repeat(400), date: '2016-02-01T00:00:00Z' } },
    400,
    { error: `size: must be at most ${Number.MAX_SAFE_INTEGER}` },
  ],
  [
    'a size of 20 digits',
    'POST',
    '/v1/project/p/volume',
    {
      body: {
        volume_id: 'bad-input-huge-volume',
        start: '2016-01-01T00:00:00Z',
        volume_type: null,
        size: '12345678901234567890',
        volume_name: 'v',
        attached_to: [],
      },
    },
    400,
    { error: `size: must be at most ${Number.MAX_SAFE_INTEGER}` },
  ],
  [
    'a number too big for a double',
    'PUT',
    `/v1/entity/instance/${INSTANCE}`,
    { rawBody: '{"metadata": {"quota": 1e400}}' },
    400,
    { error: 'metadata.quota: must be a finite number' },
  ],
  [
    'a body date in year 50, which would be read as 1950',
    'DELETE',
    `/v1/instance/${INSTANCE}`,
    { body: { date: '0050-01-01T00:00:00Z' } },
    400,
    INVALID_DATE,
  ],
  [
    'a body date that its offset pushes past year 9999',
    'PUT',
    `/v1/instance/${INSTANCE}/resize`,
    { body: { date: '9999-12-31T23:00:00-05:00', flavor: 'g' } },
    400,
    INVALID_DATE,
  ],
  [
    'an instance id over 255 characters',
    'POST',
    '/v1/project/p/instance',
    {
      body: {
        id: 'i'.repeat(256),
        created_at: '2016-01-01T00:00:00Z',
        name: null,
        flavor: null,
        os_distro: null,
        os_version: null,
        os_type: null,
      },
    },
    400,
    { error: 'id: must be at most 255 characters' },
  ],
  [
    'an entity id over 255 characters in the path',
    'PUT',
    `/v1/volume/${'v'.repeat(256)}/resize`,
    { body: { size: 2, date: '2016-02-01T00:00:00Z' } },
    400,
    { error: 'volume_id: must be at most 255 characters' },
  ],
  [
    'attachments that are not a list',
    'PUT',
    `/v1/volume/${VOLUME}/attach`,
    { body: { date: '2016-02-01T00:00:00Z', attachments: 'i-1' } },
    400,
    INVALID_PAYLOAD,
  ],
  [
    'a flavor that is not a string',
    'PUT',
    `/v1/instance/${INSTANCE}/resize`,
    { body: { date: '2016-02-01T00:00:00Z', flavor: 42 } },
    400,
    INVALID_PAYLOAD,
  ],
  [
    'an empty instance id',
    'POST',
    '/v1/project/p/instance',
    {
      body: {
        id: '',
        created_at: '2016-01-01T00:00:00Z',
        name: null,
        flavor: null,
        os_distro: null,
        os_version: null,
        os_type: null,
      },
    },
    400,
    INVALID_PAYLOAD,
  ],
  [
    'an unknown attribute in an update',
    'PUT',
    `/v1/entity/instance/${INSTANCE}`,
    { body: { colour: 'red' } },
    400,
    { error: { colour: 'extra keys not allowed' } },
  ],
  [
    'a wrongly typed update',
    'PUT',
    `/v1/entity/instance/${INSTANCE}`,
    { body: { metadata: [1] } },
    400,
    { error: { metadata: 'expected dict' } },
  ],
  [
    'a malformed end in the query',
    'GET',
    '/v1/project/p/entities?start=2016-01-01%2000:00:00.000&end=tomorrow',
    {},
    400,
    INVALID_PAYLOAD,
  ],
  [
    'a query date with a zone',
    'GET',
    '/v1/project/p/volumes?start=2016-01-01%2000:00:00.000%2B00:00',
    {},
    400,
    INVALID_PAYLOAD,
  ],
  [
    'a malformed period selecting a closed version',
    'PUT',
    `/v1/entity/instance/${INSTANCE}?start=2016`,
    { body: { flavor: 'x' } },
    400,
    INVALID_PAYLOAD,
  ],
  [
    'a usage period ending before it starts',
    'GET',
    '/v1/project/p/usage?start=2016-02-01%2000:00:00.000&end=2016-01-01%2000:00:00.000',
    {},
    400,
    { error: 'end: must not be before start' },
  ],
  [
    'a limit that is not a number',
    'GET',
    '/v1/volume_types?limit=ten',
    {},
    400,
    { error: 'limit: must be a positive integer' },
  ],
  [
    'a body over the size limit',
    'POST',
    '/v1/volume_type',
    { body: { type_id: 'x', type_name: 'y'.repeat(MAX_BODY_BYTES) } },
    413,
    { error: `The request body is larger than ${MAX_BODY_BYTES} bytes` },
  ],
  [
    'an unknown path',
    'GET',
    '/v1/nothing',
    {},
    404,
    { error: 'The requested URL was not found on the server' },
  ],
  [
    'a method the path does not have',
    'PATCH',
    '/v1/volume_types',
    {},
    405,
    { error: 'The method is not allowed for the requested URL' },
  ],
];

describe('bad input', () => {
  it.each(badRequests)(
    'answers %s with a clear 4xx and changes nothing',
    async (_, method, path, options, status, body) => {
      const before = await api.snapshot();
      const response = await api.call(method, path, options);
      expect(response.status).toBe(status);
      expect(response.json).toEqual(body);
      expect(await api.snapshot()).toEqual(before);
    },
  );

  it('refuses an oversized body announced by Content-Length before reading it', async () => {
    const response = await fetch(`${api.url}/v1/volume_type`, {
      method: 'POST',
      headers: { 'X-Auth-Token': 'secret', 'Content-Type': 'application/json' },
      body: 'x'.repeat(MAX_BODY_BYTES * 10),
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(413);
  });

  it('answers a body of deeply nested garbage with a 400, not a 500', async () => {
    const nested = `${'['.repeat(2_000)}${']'.repeat(2_000)}`;
    const response = await api.call('PUT', `/v1/volume/${VOLUME}/detach`, { rawBody: nested });
    expect(response.status).toBe(400);
  });

  it('answers an undecodable path segment with a 404, not a 500', async () => {
    const response = await api.call('GET', '/v1/entity/%E0%A4%A');
    expect(response.status).toBe(404);
  });
});
