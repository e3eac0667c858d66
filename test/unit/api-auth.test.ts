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
    expect(await validator.validate('secret')).toBe('accepted');
  });

  it.each([['wrong'], ['secre'], ['secret '], [''], [undefined]])('refuses %j', async (token) => {
    expect(await validator.validate(token)).toBe('refused');
  });

  it('accepts each of the keys given one per line, as during a rotation', async () => {
    const rotating = new PrivateKeyValidator('new-key\nold-key\n');
    expect([await rotating.validate('new-key'), await rotating.validate('old-key')]).toEqual([
      'accepted',
      'accepted',
    ]);
    expect(await rotating.validate('new-key\nold-key')).toBe('refused');
  });
});

/**
 * The cache's clock, which a real Keystone (test/keystone) cannot be made to skip: a stand-in answering
 * GET /v3/auth/tokens as Keystone does for a valid token, and counting the calls.
 */
function keystoneAnswering(token: { expires_at: string; roles: string[] }) {
  const calls: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    calls.push(String(input));
    const roles = token.roles.map((name, index) => ({ id: String(index), name }));
    return new Response(JSON.stringify({ token: { expires_at: token.expires_at, roles } }), { status: 200 });
  };
  return { fetch, calls };
}

describe('the keystone cache', () => {
  const validator = (fetch: typeof globalThis.fetch, now: () => number) =>
    new KeystoneValidator({
      url: 'http://keystone:5000',
      allowedRoles: ['admin'],
      cacheSeconds: 30,
      timeoutMs: 1000,
      logger,
      fetch,
      now,
    });
  const start = Date.parse('2026-01-01T00:00:00Z');

  /** Keystone's calls so far after each check of the same token, `offsetsMs` after `start`. */
  async function callsAfterChecksAt(expiresAt: string, offsetsMs: readonly number[]): Promise<number[]> {
    const keystone = keystoneAnswering({ expires_at: expiresAt, roles: ['admin'] });
    let now = start;
    const cached = validator(keystone.fetch, () => now);
    const calls: number[] = [];
    for (const offset of offsetsMs) {
      now = start + offset;
      await cached.validate('token');
      calls.push(keystone.calls.length);
    }
    return calls;
  }

  it('reuses a verdict for the cache period, then asks Keystone again', async () => {
    expect(await callsAfterChecksAt('2026-01-01T01:00:00.000000Z', [0, 29_000, 31_000])).toEqual([1, 1, 2]);
  });

  it('keeps no verdict past the expiry of the token', async () => {
    expect(await callsAfterChecksAt('2026-01-01T00:00:10.000000Z', [0, 9_000, 11_000])).toEqual([1, 1, 2]);
  });

  it('reads the roles without regard to case, as oslo.policy does', async () => {
    const keystone = keystoneAnswering({ expires_at: '2026-01-01T01:00:00Z', roles: ['member', 'Admin'] });
    expect(await validator(keystone.fetch, () => start).validate('token')).toBe('accepted');
  });

  it('asks with ?nocatalog, the token to check as X-Subject-Token', async () => {
    const keystone = keystoneAnswering({ expires_at: '2026-01-01T01:00:00Z', roles: ['admin'] });
    await validator(keystone.fetch, () => start).validate('token');
    expect(keystone.calls).toEqual(['http://keystone:5000/v3/auth/tokens?nocatalog']);
  });
});

describe('AUTH_STRATEGY', () => {
  it('accepts a token either strategy accepts when both are listed', async () => {
    const config = loadConfig(authConfigSchema, {
      AUTH_STRATEGY: 'private_key,keystone',
      KEYSTONE_URL: 'http://keystone:5000/v3',
    });
    const keystone = keystoneAnswering({ expires_at: '2999-01-01T00:00:00Z', roles: ['admin'] });
    const validator = tokenValidatorFor(config, { logger, fetch: keystone.fetch });
    expect(await validator.validate('secret')).toBe('accepted');
    expect(await validator.validate('user-token')).toBe('accepted');
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

  it('passes a valid token on as accepted', async () => {
    expect(await handler(event('secret'))).toEqual({ isAuthorized: true, context: { verdict: 'accepted' } });
  });

  it('lets a wrong token through marked refused, so the handler answers Almanach’s 401', async () => {
    expect(await handler(event('wrong'))).toEqual({ isAuthorized: true, context: { verdict: 'refused' } });
  });
});
