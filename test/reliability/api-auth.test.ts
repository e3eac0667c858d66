import { timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PrivateKeyValidator } from '#http/auth/private-key';
import { ROUTES } from '#http/route-table';
import type { TestApi } from '#test/helpers/api-harness';
import {
  FUZZ_INSTANCE,
  FUZZ_PROJECT,
  FUZZ_TYPE,
  FUZZ_VOLUME,
  useSeededApi,
  validBodyOf,
} from './api-arbitraries.ts';

// The real comparison, observed: the private key check must go through it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

let api: TestApi;
useSeededApi('reliability_auth', (started) => {
  api = started;
});

const PARAMS: Record<string, string> = {
  project_id: FUZZ_PROJECT,
  instance_id: FUZZ_INSTANCE,
  volume_id: FUZZ_VOLUME,
  entity_id: FUZZ_INSTANCE,
  type_id: FUZZ_TYPE,
};
const PERIOD = 'start=2016-01-01%2000:00:00.000';

/**
 * A request to every protected route and path, on the seeded entities, that succeeds with the valid token:
 * when one is refused, only the token can be at fault.
 */
const protectedRequests = ROUTES.filter((route) => route.auth).flatMap((route) => {
  const reads = ['GET', 'HEAD'].includes(route.method);
  return route.paths.map((template) => ({
    name: `${route.method} ${template}`,
    method: route.method,
    reads,
    // A period on a write would ask for a closed version (entity update): writes act on the running one.
    path: `${template.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? name)}${reads ? `?${PERIOD}` : ''}`,
    body: reads ? undefined : validBodyOf(route),
  }));
});

async function expectSuccess(on: TestApi, { method, path, body }: (typeof protectedRequests)[number]) {
  const response = await on.call(method, path, { body });
  expect(response.status, response.text).toBeGreaterThanOrEqual(200);
  expect(response.status, response.text).toBeLessThan(300);
}

const BAD_TOKENS: [string, string | null][] = [
  ['no token', null],
  ['a wrong token', 'not-the-secret'],
  ['the token in upper case', 'SECRET'],
  ['the token capitalized', 'Secret'],
  ['a prefix of the token', 'secre'],
  ['the token twice', 'secretsecret'],
];

describe('authentication', () => {
  it('leaves only the info route and the OpenAPI document public', () => {
    expect(ROUTES.filter((route) => !route.auth).map((route) => route.path)).toEqual([
      '/v1/info',
      '/v1/openapi.json',
    ]);
  });

  describe.each(BAD_TOKENS)('with %s', (_, token) => {
    it.each(protectedRequests)('$name answers 401 and changes nothing', async ({ method, path, body }) => {
      const before = await api.snapshot();
      const response = await api.call(method, path, { token, body });
      expect(response.status).toBe(401);
      expect(await api.snapshot()).toEqual(before);
    });
  });

  describe('with the valid token', () => {
    it.each(protectedRequests.filter((request) => request.reads))('$name succeeds', async (request) => {
      await expectSuccess(api, request);
    });

    describe('on a freshly seeded store of its own', () => {
      let fresh: TestApi;
      useSeededApi(
        'reliability_auth_write',
        (started) => {
          fresh = started;
        },
        { before: beforeEach, after: afterEach },
      );

      it.each(protectedRequests.filter((request) => !request.reads))('$name succeeds', async (request) => {
        await expectSuccess(fresh, request);
      });
    });
  });
});

describe('the private key comparison', () => {
  const validator = new PrivateKeyValidator('secret');
  const compare = vi.mocked(timingSafeEqual);

  beforeEach(() => {
    compare.mockClear();
  });

  it.each([['s'], ['secre'], ['SECRET'], ['secret'], ['secret!'], ['x'.repeat(10_000)]])(
    'compares %j with timingSafeEqual over two 32-byte digests, whatever its length',
    async (token) => {
      expect(await validator.validate(token)).toBe(token === 'secret' ? 'accepted' : 'refused');
      expect(compare).toHaveBeenCalledTimes(1);
      const [given, expected] = compare.mock.calls[0] ?? [];
      expect(given?.byteLength).toBe(32);
      expect(expected?.byteLength).toBe(32);
    },
  );

  it('refuses an empty token without comparing', async () => {
    expect(await validator.validate('')).toBe('refused');
    expect(compare).not.toHaveBeenCalled();
  });

  it('compares through timingSafeEqual for requests to the server too', async () => {
    await api.call('GET', '/v1/volume_types', { token: 'SECRET' });
    expect(compare).toHaveBeenCalled();
  });
});
