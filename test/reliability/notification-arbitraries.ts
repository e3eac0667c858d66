import fc from 'fast-check';
import {
  volumeAttached,
  volumeCreated,
  volumeDeleted,
  volumeDetached,
  volumeExists,
  volumeResized,
  volumeTypeCreated,
  volumeUpdated,
} from '#dev/simulator/cinder';
import { instanceCreated, instanceDeleted, instanceRebuilt, instanceResized } from '#dev/simulator/nova';
import { type OsloMessage, rabbitBody } from '#dev/simulator/oslo-envelope';
import { unrelatedEvent } from '#dev/simulator/unrelated-event';

/**
 * Notification bodies for fuzzing the ingest: real Nova/Cinder messages (the simulator's builders) with
 * fields removed, retyped or replaced by hostile values, and bodies that are not notifications at all.
 * Ids come from the generator, never from randomUUID, so a seed replays the same bodies.
 */

/** JSON nested `depth` levels deep, as arrays or objects. */
export function nested(depth: number, kind: 'array' | 'object' = 'array'): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = kind === 'array' ? [value] : { level: value };
  return value;
}

/** Shapes that have broken parsers and stores before: operators, dotted keys, NUL, odd dates, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    null,
    '',
    0,
    -1,
    1.5,
    2 ** 53,
    true,
    [],
    {},
    { $ne: null },
    { $gt: '' },
    { $where: 'sleep(1000)' },
    { 'a.b': 1 },
    { nested: { 'dotted.key': 'x' } },
    'x\u0000y',
    '\ud800',
    '9999-99-99',
    '2016-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    ['i-1', { $ne: null }],
  ),
  fc.integer({ min: 20, max: 120 }).map((depth) => nested(depth)),
  fc.integer({ min: 20, max: 60 }).map((depth) => nested(depth, 'object')),
);

const hostileKey = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('$where', '$ne', 'a.b', '__proto__', 'constructor', 'x\u0000y', ''),
);

type Builder = (id: string, uuid: () => string) => OsloMessage;

const BUILDERS: readonly Builder[] = [
  (id, uuid) => instanceCreated({ instanceId: id, uuid }),
  (id, uuid) => instanceDeleted({ instanceId: id, uuid }),
  (id, uuid) => instanceResized({ instanceId: id, uuid }),
  (id, uuid) => instanceRebuilt({ instanceId: id, uuid }),
  (id, uuid) => volumeCreated({ volumeId: id, uuid }),
  (id, uuid) => volumeDeleted({ volumeId: id, uuid }),
  (id, uuid) => volumeResized({ volumeId: id, uuid }),
  (id, uuid) => volumeAttached({ volumeId: id, uuid }),
  (id, uuid) => volumeDetached({ volumeId: id, uuid }),
  (id, uuid) => volumeUpdated({ volumeId: id, uuid }),
  (id, uuid) => volumeExists({ volumeId: id, uuid }),
  (_, uuid) => volumeTypeCreated({ uuid }),
  (id, uuid) => unrelatedEvent('compute.instance.power_off.end', { instanceId: id, uuid }),
];

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'add'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: hostileKey, value: hostileValue }),
);

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every object of the message with each of its keys, down to the payload's nested objects. */
function slots(message: Json): { owner: Json; key: string }[] {
  const found: { owner: Json; key: string }[] = [];
  const visit = (owner: Json, depth: number) => {
    for (const [key, value] of Object.entries(owner)) {
      found.push({ owner, key });
      if (isRecord(value) && depth < 3) visit(value, depth + 1);
    }
  };
  visit(message, 0);
  return found;
}

function mutate(message: OsloMessage, mutations: readonly Mutation[]): Json {
  const copy: Json = structuredClone({ ...message });
  for (const change of mutations) {
    const all = slots(copy);
    const slot = all[change.at % Math.max(all.length, 1)];
    if (!slot) continue;
    if (change.op === 'delete') delete slot.owner[slot.key];
    if (change.op === 'replace') slot.owner[slot.key] = change.value;
    if (change.op === 'add') {
      const target = slot.owner[slot.key];
      if (isRecord(target)) target[change.key] = change.value;
      else slot.owner[change.key] = change.value;
    }
  }
  return copy;
}

/** A real message of one of the handled (or one ignored) event types, with deterministic ids. */
export const realMessage: fc.Arbitrary<OsloMessage> = fc
  .record({ builder: fc.nat({ max: BUILDERS.length - 1 }), id: fc.uuid(), messageId: fc.uuid() })
  .map(({ builder, id, messageId }) => {
    let counter = 0;
    const uuid = () => `00000000-0000-4000-8000-${String(counter++).padStart(12, '0')}`;
    const build = BUILDERS[builder] ?? BUILDERS[0];
    if (!build) throw new Error('no notification builders');
    return { ...build(id, uuid), message_id: messageId };
  });

type Packing = 'envelope' | 'bare' | 'truncated-message' | 'truncated-body' | 'message-not-a-string';

function pack(message: Json, packing: Packing, cut: number): string {
  const inner = JSON.stringify(message);
  switch (packing) {
    case 'envelope':
      return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': inner });
    case 'bare':
      return inner;
    case 'truncated-message':
      return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': inner.slice(0, cut % inner.length) });
    case 'truncated-body': {
      const body = JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': inner });
      return body.slice(0, cut % body.length);
    }
    case 'message-not-a-string':
      return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': message });
  }
}

/** Real messages with one to four mutations, packed as they travel or broken on the way. */
export const mutatedBody: fc.Arbitrary<string> = fc
  .record({
    message: realMessage,
    mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
    packing: fc.constantFrom<Packing>(
      'envelope',
      'envelope',
      'envelope',
      'bare',
      'truncated-message',
      'truncated-body',
      'message-not-a-string',
    ),
    cut: fc.nat(),
  })
  .map(({ message, mutations, packing, cut }) => pack(mutate(message, mutations), packing, cut));

/** Fields the ingest keeps in the store (with the whitelists the fuzzing configures): where a hostile value would hurt. */
const STORED_FIELDS: readonly (readonly string[])[] = [
  ['message_id'],
  ['event_type'],
  ['payload', 'instance_id'],
  ['payload', 'volume_id'],
  ['payload', 'tenant_id'],
  ['payload', 'hostname'],
  ['payload', 'display_name'],
  ['payload', 'instance_type'],
  ['payload', 'volume_type'],
  ['payload', 'instance_uuid'],
  ['payload', 'volume_attachment'],
  ['payload', 'image_meta', 'distro'],
  ['payload', 'image_meta', 'nested'],
  ['payload', 'image_meta', 'a.b'],
  ['payload', 'metadata'],
  ['payload', 'metadata', 'nested'],
  ['payload', 'metadata', '$where'],
  ['payload', 'volume_types', 'name'],
];

/** A copy of the message with the value at `path` (unchanged when an object on the way is missing). */
export function setAt(message: Json, path: readonly string[], value: unknown): Json {
  const copy: Json = structuredClone(message);
  let owner = copy;
  for (const key of path.slice(0, -1)) {
    const next = owner[key];
    if (!isRecord(next)) return copy;
    owner = next;
  }
  const last = path.at(-1);
  if (last !== undefined) owner[last] = value;
  return copy;
}

/** Real messages with one field the store keeps set to a hostile value, in the v2 envelope. */
export const hostileStoredBody: fc.Arbitrary<string> = fc
  .record({
    message: realMessage,
    path: fc.constantFrom(...STORED_FIELDS),
    value: fc.oneof(
      hostileValue,
      fc.string().map((text) => `${text}\u0000${text}`),
    ),
  })
  .map(({ message, path, value }) => pack(setAt({ ...message }, path, value), 'envelope', 0));

/** Anything at all: text, JSON that is no notification, envelopes around either. */
export const arbitraryBody: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc
    .jsonValue({ maxDepth: 4 })
    .map((value) => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(value) })),
  fc
    .jsonValue({ maxDepth: 2 })
    .map((value) => JSON.stringify({ 'oslo.version': value, 'oslo.message': value })),
);

/** Unmutated real messages, so the fuzzing also covers bodies that must be accepted. */
export const realBody: fc.Arbitrary<string> = realMessage.map(rabbitBody);
