import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mappingOptionsFrom } from '#config/ingest-settings';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { MalformedNotificationError } from '#domain/errors';
import { entityEventSchema } from '#domain/events';
import { mapNotification } from '#domain/mapping';
import { parseNotification } from '#domain/notification';
import { mutatedBody, realMessage, setAt } from '#test/reliability/notification-arbitraries';

/**
 * The event log keeps each event as JSON and every re-fold reads it back through entityEventSchema: an
 * event the mapping accepts but the schema then refuses would fail every later fold of its entity.
 */
const options = mappingOptionsFrom(
  loadConfig(rulesConfigSchema, { INSTANCE_METADATA_WHITELIST: 'quota,nested' }),
);

/** Values at the edges of what a number, a date or an id can hold. */
const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
  fc.integer({ min: 1, max: 400 }).map((length) => '9'.repeat(length)),
  fc.constantFrom<unknown>(
    Number.MAX_SAFE_INTEGER,
    2 ** 53,
    1e20,
    -0,
    0.5,
    String(Number.MAX_SAFE_INTEGER),
    '9007199254740992',
    'v'.repeat(255),
    'v'.repeat(256),
  ),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.constantFrom('Z', '+14:00', '-12:00', '', '.999999'))
    .map(([year, suffix]) => `${String(year).padStart(4, '0')}-12-31T23:59:59${suffix}`),
);

const EDGE_FIELDS = [
  ['timestamp'],
  ['payload', 'size'],
  ['payload', 'created_at'],
  ['payload', 'terminated_at'],
  ['payload', 'deleted_at'],
  ['payload', 'instance_id'],
  ['payload', 'volume_id'],
  ['payload', 'tenant_id'],
  ['payload', 'metadata', 'quota'],
] as const;

const edgeBody: fc.Arbitrary<string> = fc
  .record({ message: realMessage, field: fc.constantFrom(...EDGE_FIELDS), value: edgeValue })
  .map(({ message, field, value }) =>
    JSON.stringify({
      'oslo.version': '2.0',
      'oslo.message': JSON.stringify(setAt({ ...message }, field, value)),
    }),
  );

function readsBackWhatItStores(body: string): void {
  let mapped: ReturnType<typeof mapNotification>;
  try {
    mapped = mapNotification(parseNotification(body), options);
  } catch (error) {
    if (error instanceof MalformedNotificationError) return;
    throw error;
  }
  if (mapped.type !== 'entity') return;
  const stored = JSON.stringify(mapped.event);
  const read = entityEventSchema.safeParse(JSON.parse(stored));
  expect(read.error).toBeUndefined();
  expect(JSON.parse(JSON.stringify(read.data))).toEqual(JSON.parse(stored));
}

describe('events the mapping accepts', () => {
  it('read back from the event log as the same event, whatever numbers, dates and ids they carry', () => {
    fc.assert(fc.property(edgeBody, readsBackWhatItStores), { seed: 20_261_201, numRuns: 1_000 });
  });

  it('read back from the event log as the same event, however the notification was mangled', () => {
    fc.assert(fc.property(mutatedBody, readsBackWhatItStores), { seed: 20_261_202, numRuns: 1_000 });
  });
});
