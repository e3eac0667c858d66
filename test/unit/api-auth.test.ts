import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { authConfigSchema } from '#config/api-schema';
import { loadConfig } from '#config/schema';
import { createAuthorizerHandler } from '#http/auth/authorizer';
import { KeystoneValidator } from '#http/auth/keystone';
import { PrivateKeyValidator } from '#http/auth/private-key';
import { tokenValidatorFor } from '#http/auth/strategy';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

describe('the private key strategy', () => {
  const validator = new PrivateKeyValidator('secret');

  it('accepts the configured key', async () => {
    expect(await validator.validate('secret')).toBe(true);
  });

  it.each([['wrong'], ['secre'], ['secret '], [''], [undefined]])('refuses %j', async (token) => {
    expect(await validator.validate(token)).toBe(false);
  });

  it('accepts each of the keys given one per line, as during a rotation', async () => {
    const rotating = new PrivateKeyValidator('new-key\nold-key\n');
    expect([await rotating.validate('new-key'), await rotating.validate('old-key')]).toEqual([true, true]);
    expect(await rotating.validate('new-key\nold-key')).toBe(false);
  });
});

/** A fake Keystone: which tokens are valid, and every call it received. */
function fakeKeystone(validTokens: string[], options: { serviceToken?: string; status?: number } = {}) {
  const calls: { method: string; url: string; headers: Headers }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const method = init?.method ?? 'GET';
    calls.push({ method, url: String(input), headers });
    if (method === 'POST') {
      return new Response(JSON.stringify({ token: { expires_at: '2999-01-01T00:00:00Z' } }), {
        status: 201,
        headers: { 'X-Subject-Token': options.serviceToken ?? 'service-token' },
      });
    }
    if (options.status) return new Response('', { status: options.status });
    const subject = headers.get('x-subject-token') ?? '';
    return new Response('{}', { status: validTokens.includes(subject) ? 200 : 404 });
  };
  return { fetch, calls };
}

describe('the keystone strategy', () => {
  const keystone = (
    fake: ReturnType<typeof fakeKeystone>,
    extra: Partial<ConstructorParameters<typeof KeystoneValidator>[0]> = {},
  ) =>
    new KeystoneValidator({
      url: 'http://keystone:5000',
      cacheSeconds: 60,
      timeoutMs: 1000,
      logger,
      fetch: fake.fetch,
      ...extra,
    });

  it('accepts a token Keystone validates, asking GET /v3/auth/tokens with it as X-Subject-Token', async () => {
    const fake = fakeKeystone(['user-token']);
    expect(await keystone(fake).validate('user-token')).toBe(true);
    expect(fake.calls[0]?.url).toBe('http://keystone:5000/v3/auth/tokens');
    expect(fake.calls[0]?.headers.get('x-subject-token')).toBe('user-token');
    expect(fake.calls[0]?.headers.get('x-auth-token')).toBe('user-token');
  });

  it('refuses a token Keystone does not know', async () => {
    expect(await keystone(fakeKeystone([])).validate('forged')).toBe(false);
  });

  it('remembers an accepted token for the cache period', async () => {
    const fake = fakeKeystone(['user-token']);
    let now = 0;
    const validator = keystone(fake, { now: () => now });
    await validator.validate('user-token');
    now = 59_000;
    await validator.validate('user-token');
    expect(fake.calls).toHaveLength(1);
    now = 61_000;
    await validator.validate('user-token');
    expect(fake.calls).toHaveLength(2);
  });

  it('does not remember a refused token', async () => {
    const fake = fakeKeystone([]);
    const validator = keystone(fake);
    await validator.validate('forged');
    await validator.validate('forged');
    expect(fake.calls).toHaveLength(2);
  });

  it('validates with a service token when a service user is configured', async () => {
    const fake = fakeKeystone(['user-token'], { serviceToken: 'svc' });
    const validator = keystone(fake, {
      service: { username: 'almanach', password: 'pw', userDomainName: 'Default' },
    });
    expect(await validator.validate('user-token')).toBe(true);
    expect(fake.calls.map((call) => call.method)).toEqual(['POST', 'GET']);
    expect(fake.calls[1]?.headers.get('x-auth-token')).toBe('svc');
  });

  it('refuses the token when Keystone fails, rather than letting it through', async () => {
    expect(await keystone(fakeKeystone(['user-token'], { status: 503 })).validate('user-token')).toBe(false);
  });

  it('refuses a missing token without asking Keystone', async () => {
    const fake = fakeKeystone([]);
    expect(await keystone(fake).validate(undefined)).toBe(false);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('AUTH_STRATEGY', () => {
  it('accepts a token either strategy accepts when both are listed', async () => {
    const config = loadConfig(authConfigSchema, {
      AUTH_STRATEGY: 'private_key,keystone',
      KEYSTONE_URL: 'http://keystone:5000/v3',
    });
    const validator = tokenValidatorFor(config, { logger, fetch: fakeKeystone(['user-token']).fetch });
    expect(await validator.validate('secret')).toBe(true);
    expect(await validator.validate('user-token')).toBe(true);
    expect(await validator.validate('neither')).toBe(false);
  });

  it('requires KEYSTONE_URL with the keystone strategy', () => {
    expect(() => loadConfig(authConfigSchema, { AUTH_STRATEGY: 'keystone' })).toThrow(/KEYSTONE_URL/);
  });

  it('refuses an unknown strategy', () => {
    expect(() => loadConfig(authConfigSchema, { AUTH_STRATEGY: 'ldap' })).toThrow(/AUTH_STRATEGY/);
  });
});

describe('the API Gateway authorizer', () => {
  const handler = createAuthorizerHandler(new PrivateKeyValidator('secret'), logger);
  const event = (token?: string): APIGatewayRequestAuthorizerEventV2 => ({
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/$default/GET/v1/volume_types',
    identitySource: token === undefined ? [] : [token],
    routeKey: 'GET /v1/volume_types',
    rawPath: '/v1/volume_types',
    rawQueryString: '',
    cookies: [],
    headers: token === undefined ? {} : { 'x-auth-token': token },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: {
        method: 'GET',
        path: '/v1/volume_types',
        protocol: 'HTTP/1.1',
        sourceIp: '10.0.0.1',
        userAgent: 'test',
      },
      requestId: 'r-1',
      routeKey: 'GET /v1/volume_types',
      stage: '$default',
      time: '24/Nov/2016:15:00:00 +0000',
      timeEpoch: 0,
    },
  });

  it('passes a valid token on as authenticated', async () => {
    expect(await handler(event('secret'))).toEqual({ isAuthorized: true, context: { authenticated: true } });
  });

  it('lets a wrong token through marked unauthenticated, so the handler answers Almanach’s 401', async () => {
    expect(await handler(event('wrong'))).toEqual({ isAuthorized: true, context: { authenticated: false } });
  });
});
