import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestApi, type TestApi } from '#test/helpers/api-harness';
import { KeystoneAdmin } from '#test/helpers/keystone-admin';
import { startTcpProxy, type TcpProxy } from '#test/helpers/tcp-proxy';

/**
 * The keystone strategies against a real Keystone (Debian's keystone package, started by the keystone
 * project's global setup): a token is accepted only when Keystone validates it and it carries one of
 * KEYSTONE_ALLOWED_ROLES (default admin); anything Keystone cannot vouch for in time is refused.
 */
const keystone = inject('keystone');
let admin: KeystoneAdmin;
let adminToken: string;
let memberToken: string;
/** Keystone behind a relay, to make it unreachable or slow. */
let proxy: TcpProxy;
const apis: TestApi[] = [];

beforeAll(async () => {
  admin = await KeystoneAdmin.connect(keystone.url, keystone.adminPassword);
  adminToken = await admin.tokenWithRole('admin');
  memberToken = await admin.tokenWithRole('member');
  const { hostname, port } = new URL(keystone.url);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) });
});

afterAll(async () => {
  for (const api of apis) await api.close();
  await proxy?.close();
});

async function apiWith(env: Record<string, string>): Promise<TestApi> {
  const api = await startTestApi('api_keystone', { KEYSTONE_URL: keystone.url, ...env });
  apis.push(api);
  return api;
}

/** An API validating through the relay, asking Keystone on every request. */
const apiBehindProxy = (strategy: string) =>
  apiWith({
    AUTH_STRATEGY: strategy,
    KEYSTONE_URL: `http://127.0.0.1:${proxy.port}/v3`,
    KEYSTONE_CACHE_SECONDS: '0',
  });

async function whileKeystoneUnreachable<T>(action: () => Promise<T>): Promise<T> {
  proxy.refuse(true);
  try {
    return await action();
  } finally {
    proxy.refuse(false);
  }
}

const status = async (api: TestApi, token: string) =>
  (await api.call('GET', '/v1/volume_types', { token })).status;

describe('AUTH_STRATEGY=keystone', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await apiWith({ AUTH_STRATEGY: 'keystone', KEYSTONE_CACHE_SECONDS: '0' });
  });

  it('accepts a token Keystone validates that carries the admin role', async () => {
    expect(await status(api, adminToken)).toBe(200);
  });

  it('answers 403 Forbidden to a valid token without an allowed role', async () => {
    const response = await api.call('GET', '/v1/volume_types', { token: memberToken });
    expect([response.status, response.json]).toEqual([403, { error: 'Forbidden' }]);
  });

  it('accepts a role named in KEYSTONE_ALLOWED_ROLES', async () => {
    const members = await apiWith({ AUTH_STRATEGY: 'keystone', KEYSTONE_ALLOWED_ROLES: 'admin,member' });
    expect(await status(members, memberToken)).toBe(200);
  });

  it('refuses a token Keystone never issued with 401', async () => {
    expect(await status(api, `${adminToken.slice(0, -4)}AAAA`)).toBe(401);
  });

  it('refuses the private key when only keystone is configured', async () => {
    expect(await status(api, 'secret')).toBe(401);
  });

  it('refuses a token once it was revoked, the cache bound being zero', async () => {
    const token = await admin.tokenWithRole('admin');
    expect(await status(api, token)).toBe(200);
    await admin.revoke(token);
    expect(await status(api, token)).toBe(401);
  });

  it('validates with a service user when one is configured, and still requires the role of the token', async () => {
    const service = await apiWith({
      AUTH_STRATEGY: 'keystone',
      KEYSTONE_USERNAME: 'admin',
      KEYSTONE_PASSWORD: keystone.adminPassword,
      KEYSTONE_PROJECT_NAME: 'admin',
    });
    expect(await status(service, adminToken)).toBe(200);
    expect(await status(service, memberToken)).toBe(403);
  });
});

describe('AUTH_STRATEGY=keystone when Keystone fails', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await apiBehindProxy('keystone');
  });

  it('refuses every token while Keystone is unreachable (fail closed)', async () => {
    expect(await whileKeystoneUnreachable(() => status(api, adminToken))).toBe(401);
  });

  it('refuses a token Keystone is too slow to vouch for, within KEYSTONE_TIMEOUT_MS rather than its delay', async () => {
    // Far beyond the test's own timeout: only the validator's timeout (5 s) can end this request in time.
    proxy.delayResponses(600_000);
    try {
      expect(await status(api, adminToken)).toBe(401);
    } finally {
      proxy.delayResponses(0);
      proxy.resetAll();
    }
  });

  it('accepts the token again once Keystone answers', async () => {
    expect(await status(api, adminToken)).toBe(200);
  });
});

describe('AUTH_STRATEGY=private_key,keystone', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await apiBehindProxy('private_key,keystone');
  });

  it('accepts the private key and a Keystone token with the admin role', async () => {
    expect([await status(api, 'secret'), await status(api, adminToken)]).toEqual([200, 200]);
  });

  it('answers 403 to a valid Keystone token without an allowed role', async () => {
    expect(await status(api, memberToken)).toBe(403);
  });

  it('refuses a token neither knows, and a revoked one', async () => {
    const token = await admin.tokenWithRole('admin');
    await admin.revoke(token);
    expect([await status(api, 'wrong'), await status(api, token)]).toEqual([401, 401]);
  });

  it('still accepts the private key while Keystone is unreachable, and refuses Keystone tokens', async () => {
    const statuses = await whileKeystoneUnreachable(async () => [
      await status(api, 'secret'),
      await status(api, adminToken),
    ]);
    expect(statuses).toEqual([200, 401]);
  });
});
