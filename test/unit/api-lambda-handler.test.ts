import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { apiConfigSchema } from '#config/api-schema';
import { loadConfig } from '#config/schema';
import { createApiHandler } from '#http/api-handler';
import type { Verdict } from '#http/auth/token-validator';
import type { ApiEvent } from '#http/request';
import { ROUTES } from '#http/route-table';
import { createApiServices } from '#http/services';
import { CountingSink } from '#observability/ingest-metrics';
import { collectionsOf } from '#store/collections';

/**
 * The handler as API Gateway invokes it, on routes that answer before touching MongoDB: the client below
 * never connects.
 */
const client = new MongoClient('mongodb://127.0.0.1:9/never-used');
const store = { client, collections: collectionsOf(client.db('never-used')) };
const config = loadConfig(apiConfigSchema, { MONGODB_URI: 'mongodb://127.0.0.1:9' });
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const services = createApiServices({ store, config, logger, metrics: new CountingSink() });

const handler = createApiHandler({ routes: ROUTES, services, logger, maxBodyBytes: 1024 });
const failing = createApiHandler({
  routes: ROUTES,
  services: {
    ...services,
    entityCounts: () => Promise.reject(new Error('connection refused by db-7.internal:27017')),
  },
  logger,
  maxBodyBytes: 1024,
});

afterAll(async () => {
  await client.close();
});

function event(
  routeKey: string,
  options: {
    verdict?: Verdict;
    query?: string;
    pathParameters?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string;
    base64?: boolean;
  } = {},
): ApiEvent {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: { accept: 'application/json', ...options.headers },
    ...(options.pathParameters && { pathParameters: options.pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'test' },
      requestId: 'request-1',
      routeKey,
      stage: '$default',
      time: '24/Nov/2016:15:00:00 +0000',
      timeEpoch: 0,
      authorizer: {
        lambda: options.verdict === undefined ? {} : { verdict: options.verdict },
      },
    },
    ...(options.body !== undefined && {
      body: options.base64 ? Buffer.from(options.body).toString('base64') : options.body,
    }),
    isBase64Encoded: options.base64 ?? false,
  };
}

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test',
  functionVersion: '1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:test',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: 'test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

describe('the API Gateway handler', () => {
  it('dispatches on the routeKey API Gateway matched', async () => {
    const response = await handler(event('GET /openapi.json'), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
  });

  it("answers Almanach's 401 when the authorizer refused the token", async () => {
    const response = await handler(
      event('GET /v1/volume_types', { verdict: 'refused', pathParameters: {} }),
      context,
    );
    expect([response.statusCode, response.body]).toEqual([401, 'Unauthorized']);
  });

  it('answers 403 Forbidden when the token is valid but lacks the required role', async () => {
    const response = await handler(
      event('GET /v1/volume_types', { verdict: 'forbidden', pathParameters: {} }),
      context,
    );
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([403, { error: 'Forbidden' }]);
  });

  it('answers 401 when no authorizer verdict reached it at all', async () => {
    const response = await handler(event('GET /v1/volume_types'), context);
    expect(response.statusCode).toBe(401);
  });

  it('reads path parameters from the event and validates the query once authenticated', async () => {
    const response = await handler(
      event('GET /v1/project/{project_id}/instances', {
        verdict: 'accepted',
        pathParameters: { project_id: 'p' },
      }),
      context,
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: "The 'start' param is mandatory for the request you have made.",
    });
  });

  it('answers 401 to a refused token, not 413, whatever the size of the body', async () => {
    const response = await handler(
      event('POST /v1/volume_type', { verdict: 'refused', body: 'x'.repeat(2048) }),
      context,
    );
    expect(response.statusCode).toBe(401);
  });

  it('never parses the body of a request whose token was refused', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const response = await handler(
        event('PUT /v1/volume/{volume_id}/resize', {
          verdict: 'refused',
          pathParameters: { volume_id: 'v' },
          body: '{"size": 2, "date": "2016-01-01T00:00:00Z"}',
        }),
        context,
      );
      expect(response.statusCode).toBe(401);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await handler(
      event('POST /v1/volume_type', { verdict: 'accepted', body: 'x'.repeat(2048) }),
      context,
    );
    expect(response.statusCode).toBe(413);
  });

  it("answers a body that is not JSON with Almanach's invalid payload, not the parser's 415", async () => {
    const response = await handler(
      event('POST /v1/volume_type', {
        verdict: 'accepted',
        headers: { 'content-type': 'application/json' },
        body: '{"type_id": ',
      }),
      context,
    );
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([
      400,
      { error: 'Invalid parameter or payload' },
    ]);
  });

  it("answers a route's missing body with Almanach's invalid payload", async () => {
    const response = await handler(
      event('POST /v1/volume_type', { verdict: 'accepted', headers: { 'content-type': 'application/json' } }),
      context,
    );
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([
      400,
      { error: 'Invalid parameter or payload' },
    ]);
  });

  it.each([
    ['no content type', {}],
    ["curl's default form content type", { 'content-type': 'application/x-www-form-urlencoded' }],
  ])('reads the body as JSON when the request has %s, as Almanach does', async (_, headers) => {
    const response = await handler(
      event('POST /v1/volume_type', { verdict: 'accepted', headers, body: '{"type_name": "ssd"}' }),
      context,
    );
    expect(JSON.parse(response.body)).toEqual({
      error: "The 'type_id' param is mandatory for the request you have made.",
    });
  });

  it('reads a base64-encoded body, as API Gateway passes binary ones', async () => {
    const response = await handler(
      event('POST /v1/volume_type', { verdict: 'accepted', body: '{"type_name": "ssd"}', base64: true }),
      context,
    );
    expect(JSON.parse(response.body)).toEqual({
      error: "The 'type_id' param is mandatory for the request you have made.",
    });
  });

  it('serves a route without a body even when the request announces JSON and sends none', async () => {
    const response = await handler(
      event('GET /v1/project/{project_id}/instances', {
        verdict: 'accepted',
        pathParameters: { project_id: 'p' },
        headers: { 'content-type': 'application/json' },
      }),
      context,
    );
    expect(JSON.parse(response.body)).toEqual({
      error: "The 'start' param is mandatory for the request you have made.",
    });
  });

  it('answers an internal fault with a fixed message and no detail', async () => {
    const response = await failing(event('GET /v1/info'), context);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: 'Internal server error' });
    expect(response.body).not.toContain('db-7');
  });
});
