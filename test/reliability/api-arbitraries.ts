import fc from 'fast-check';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import type { Route } from '#http/route-spec';
import { startTestApi, type TestApi } from '#test/helpers/api-harness';
import { hostileValue } from './notification-arbitraries.ts';

/**
 * Requests for fuzzing the API: every route of the table, with path parameters, query parameters and
 * bodies drawn from valid values (so some requests succeed and the checks after them mean something),
 * Almanach-shaped bodies with fields removed or retyped, and hostile shapes (operators, NUL, deep nesting).
 */

export const FUZZ_INSTANCE = 'fuzz-instance';
export const FUZZ_VOLUME = 'fuzz-volume';
export const FUZZ_TYPE = 'fuzz-type';
export const FUZZ_PROJECT = 'fuzz-project';

const CREATED = '2016-01-01T00:00:00Z';
const LATER = '2016-06-01T00:00:00Z';

/**
 * A test API on a store seeded as below, started before the tests of the enclosing block (each test with
 * beforeEach/afterEach) and handed to `started`; closed after them.
 */
export function useSeededApi(
  prefix: string,
  started: (api: TestApi) => void,
  hooks: { before: typeof beforeAll; after: typeof afterAll } = { before: beforeAll, after: afterAll },
): void {
  let api: TestApi | undefined;
  hooks.before(async () => {
    api = await startTestApi(prefix);
    await seedFuzzingStore(api);
    started(api);
  });
  hooks.after(async () => {
    await api?.close();
  });
}

/** Entities the valid requests act on, so they get past the 404s. */
async function seedFuzzingStore(api: TestApi): Promise<void> {
  const writes: [string, string, unknown][] = [
    ['POST', '/v1/volume_type', { type_id: FUZZ_TYPE, type_name: 'fuzz' }],
    [
      'POST',
      `/v1/project/${FUZZ_PROJECT}/instance`,
      {
        id: FUZZ_INSTANCE,
        created_at: CREATED,
        name: 'n',
        flavor: 'f',
        os_type: 'linux',
        os_distro: 'ubuntu',
        os_version: '16.04',
      },
    ],
    [
      'POST',
      `/v1/project/${FUZZ_PROJECT}/volume`,
      {
        volume_id: FUZZ_VOLUME,
        start: CREATED,
        volume_type: FUZZ_TYPE,
        size: 1,
        volume_name: 'v',
        attached_to: [],
      },
    ],
  ];
  for (const [method, path, body] of writes) {
    const response = await api.call(method, path, { body });
    if (response.status !== 201) throw new Error(`seeding ${method} ${path} answered ${response.status}`);
  }
}

/** A body each write route accepts, field order as Almanach reads them. */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  createInstance: {
    id: 'fuzz-new-instance',
    created_at: LATER,
    name: 'n',
    flavor: 'f',
    os_distro: 'd',
    os_version: 'v',
    os_type: 't',
  },
  deleteInstance: { date: LATER },
  resizeInstance: { date: LATER, flavor: 'g' },
  rebuildInstance: { rebuild_date: LATER, distro: 'd', version: 'v', os_type: 't' },
  createVolume: {
    volume_id: 'fuzz-new-volume',
    start: LATER,
    volume_type: FUZZ_TYPE,
    size: 2,
    volume_name: 'v',
    attached_to: [],
  },
  deleteVolume: { date: LATER },
  resizeVolume: { size: 3, date: LATER },
  attachVolume: { date: LATER, attachments: [FUZZ_INSTANCE] },
  detachVolume: { date: LATER, attachments: [] },
  updateInstanceEntity: {
    name: 'renamed',
    flavor: 'h',
    os: { distro: 'd', version: 'v', os_type: 't' },
    metadata: { k: 'v' },
    start_date: '2016-01-01T00:00:00.00Z',
  },
  createVolumeType: { type_id: 'fuzz-new-type', type_name: 'new' },
};

const hostileText = fc.constantFrom(
  '$ne',
  '{"$ne":null}',
  '[$ne]',
  '$where',
  'this.a == 1',
  'a.b',
  '$',
  '..',
  ' ',
  '%',
  '%00',
  'x\u0000y',
  '\u0000',
  '😀',
  'x'.repeat(2_000),
);

/** A path parameter: one of the seeded ids, any text, or an injection shape. */
const pathValue = fc.oneof(
  { arbitrary: fc.constantFrom(FUZZ_INSTANCE, FUZZ_VOLUME, FUZZ_TYPE, FUZZ_PROJECT), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), weight: 2 },
  { arbitrary: hostileText, weight: 2 },
);

const QUERY_DATE = '2016-01-01 00:00:00.000';

const cursorOf = (position: unknown) => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

const queryValue = fc.oneof(
  fc.constantFrom(
    QUERY_DATE,
    '2016-12-31 23:59:59.999999',
    '2015-01-01 00:00:00.0',
    '1',
    '0',
    '1000',
    '99999999',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  hostileText,
  fc
    .oneof(
      fc.record({ entityId: fc.oneof(fc.string(), hostileText), index: fc.integer({ min: -1, max: 5 }) }),
      fc.record({ projectId: fc.oneof(fc.string(), hostileText) }),
      fc.record({ typeId: fc.oneof(fc.string(), hostileText) }),
      hostileValue,
    )
    .map(cursorOf),
);

const queryKey = fc.oneof(
  { arbitrary: fc.constantFrom('start', 'end', 'limit', 'cursor'), weight: 4 },
  { arbitrary: fc.constantFrom('start[$ne]', 'start[$gt]', '$where', 'end.$ne', '__proto__'), weight: 1 },
  { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
);

/** Usually a valid period (so the route gets past it), plus anything. */
const query = fc
  .record({
    withStart: fc.boolean(),
    pairs: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }),
  })
  .map(({ withStart, pairs }) => {
    const search = new URLSearchParams(withStart ? [['start', QUERY_DATE]] : []);
    for (const [key, value] of pairs) search.append(key, value);
    return search.toString();
  });

type BodyChange =
  | { op: 'delete'; at: number }
  | { op: 'set'; at: number; value: unknown }
  | { op: 'add'; key: string; value: unknown };

const bodyChange: fc.Arbitrary<BodyChange> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(hostileValue, hostileText) }),
  fc.record({
    op: fc.constant('add' as const),
    key: fc.oneof(
      fc.constantFrom('$where', '$ne', 'a.b', 'metadata', 'x\u0000'),
      fc.string({ maxLength: 6 }),
    ),
    value: hostileValue,
  }),
);

function changed(body: Record<string, unknown>, changes: readonly BodyChange[]): Record<string, unknown> {
  const copy = structuredClone(body);
  for (const change of changes) {
    const keys = Object.keys(copy);
    if (change.op === 'add') copy[change.key] = change.value;
    else {
      const key = keys[change.at % Math.max(keys.length, 1)];
      if (key === undefined) continue;
      if (change.op === 'delete') delete copy[key];
      else copy[key] = change.value;
    }
  }
  return copy;
}

/** A body the route accepts on the seeded store; `{}` for a route that reads none. */
export function validBodyOf(route: Route): Record<string, unknown> {
  return VALID_BODIES[route.name] ?? {};
}

/** The raw body of a request to the route: valid, changed, any JSON, garbage, or none. */
function bodyFor(route: Route): fc.Arbitrary<string | undefined> {
  const valid = validBodyOf(route);
  return fc.oneof(
    { arbitrary: fc.constant(JSON.stringify(valid)), weight: 1 },
    {
      arbitrary: fc
        .array(bodyChange, { minLength: 1, maxLength: 3 })
        .map((changes) => JSON.stringify(changed(valid, changes))),
      weight: 5,
    },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

export interface FuzzRequest {
  routeName: string;
  /** What a 400 may name: the route's path, query and body fields, the keys sent, or the body itself. */
  fields: readonly string[];
  method: string;
  path: string;
  rawBody: string | undefined;
}

function concretePath(template: string, params: readonly string[], raw: boolean): string {
  let index = 0;
  return template.replace(/\{\w+\}/g, () => {
    const value = params[index++] ?? FUZZ_INSTANCE;
    // Unencoded text also reaches the router: characters fetch itself would not send are still encoded.
    return raw ? encodeURI(value).replaceAll('?', '%3F').replaceAll('#', '%23') : encodeURIComponent(value);
  });
}

/** Requests to the given routes, each on its versioned or unversioned path. */
export function requestTo(routes: readonly Route[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        template: fc.constantFrom(...route.paths),
        params: fc.array(pathValue, { minLength: 2, maxLength: 2 }),
        raw: fc.boolean(),
        query,
        // fetch sends no body with GET and HEAD; routes without a body get one anyway when they can.
        rawBody: route.body
          ? bodyFor(route)
          : ['GET', 'HEAD'].includes(route.method)
            ? fc.constant(undefined)
            : fc.option(fc.json({ maxDepth: 2 }), { nil: undefined }),
      })
      .map(({ template, params, raw, query: search, rawBody }) => ({
        routeName: route.name,
        fields: [...fieldsOf(route), ...sentKeys(rawBody)],
        method: route.method,
        path: `${concretePath(template, params, raw)}${search ? `?${search}` : ''}`,
        rawBody,
      }))
      .filter((request) => sentAsWritten(request.path)),
  );
}

/**
 * Whether the API receives the path as written: HTTP clients resolve dot segments (`/v1/project/../usage`
 * is sent as `/v1/usage`), so such a request reaches another route than the one its checks are about.
 */
function sentAsWritten(path: string): boolean {
  const pathname = path.split('?', 1)[0] ?? '';
  return new URL(pathname, 'http://127.0.0.1').pathname === pathname;
}

function fieldsOf(route: Route): string[] {
  const bodyFields = route.body instanceof z.ZodObject ? Object.keys(route.body.shape) : [];
  return [...Object.keys(route.params.shape), ...Object.keys(route.query.shape), ...bodyFields, 'body'];
}

function sentKeys(rawBody: string | undefined): string[] {
  try {
    const value: unknown = JSON.parse(rawBody ?? '');
    // The API shows a NUL in a key it names as `\0`.
    return typeof value === 'object' && value !== null
      ? Object.keys(value).map((key) => key.replaceAll('\0', '\\0'))
      : [];
  } catch {
    return [];
  }
}
