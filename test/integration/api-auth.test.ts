import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROUTES } from '#http/route-table';
import { startTestApi, type TestApi } from '#test/helpers/api-harness';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('api_auth');
});

afterAll(async () => {
  await api.close();
});

/** A concrete path for a route template, and a body it would accept. */
const concrete = (path: string) => path.replace(/\{\w+\}/g, 'some-id');
const PERIOD = 'start=2016-01-01%2000:00:00.000';

describe('public routes', () => {
  it('answers GET /v1/info without a token', async () => {
    const response = await api.call('GET', '/v1/info', { token: null });
    expect(response.status).toBe(200);
  });

  it('serves a valid OpenAPI 3.1 document at /v1/openapi.json without a token', async () => {
    const response = await api.call('GET', '/v1/openapi.json', { token: null });
    expect(response.status).toBe(200);
    const result = await new Validator().validate(z.record(z.string(), z.unknown()).parse(response.json));
    expect(result).toEqual({ valid: true });
  });
});

describe('routes that need a token', () => {
  const protectedRoutes = ROUTES.filter((route) => route.auth).flatMap((route) =>
    route.paths.map(
      (path) => [`${route.method} ${path}`, route.method, `${concrete(path)}?${PERIOD}`] as const,
    ),
  );

  it.each(protectedRoutes)('%s answers 401 Unauthorized without a token', async (_, method, path) => {
    const body = method === 'GET' || method === 'HEAD' ? undefined : { date: '2016-01-01T00:00:00Z' };
    const response = await api.call(method, path, { token: null, body });
    expect(response.status).toBe(401);
    if (method !== 'HEAD') expect(response.text).toBe('Unauthorized');
  });

  it('answers 401 with the plain-text body Almanach sends for a wrong token', async () => {
    const response = await api.call('GET', `/v1/project/p/entities?${PERIOD}`, { token: 'wrong token' });
    expect(response.status).toBe(401);
    expect(response.text).toBe('Unauthorized');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('records nothing for a write with a wrong token', async () => {
    const before = await api.snapshot();
    const response = await api.call('POST', '/v1/volume_type', {
      token: 'wrong token',
      body: { type_id: 'sneaky', type_name: 'sneaky' },
    });
    expect(response.status).toBe(401);
    expect(await api.snapshot()).toEqual(before);
  });

  it('answers 401 to a wrong token before reading a body larger than the limit', async () => {
    const response = await api.call('POST', '/v1/volume_type', {
      token: 'wrong token',
      rawBody: 'x'.repeat(api.config.API_MAX_BODY_BYTES + 1),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('connection')).toBe('close');
  });

  it('answers with the configured private key', async () => {
    expect((await api.call('GET', '/v1/volume_types')).status).toBe(200);
  });
});
