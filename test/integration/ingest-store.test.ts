import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import type { EntityVersion } from '#domain/entity';
import type { RecordedEvent } from '#domain/events';
import { foldEvents } from '#domain/fold';
import { entityPlanner } from '#ingest/entity-planner';
import type { IngestPorts } from '#ingest/ports';
import { headDocumentId } from '#store/entity-heads';
import { type IngestStoreOptions, MongoIngestStore } from '#store/ingest-store';
import { recorded, rules, volume } from '#test/helpers/domain-events';
import { ingestorFor, openTestStore, type TestStore } from '#test/helpers/ingest-harness';
import { describeIngestPortsContract } from '#test/helpers/ingest-ports-contract';

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('ingest_store');
});

afterAll(async () => {
  await store.close();
});

const versionsOf = (entityId: string) => store.entities.versionsOf(entityId);

describeIngestPortsContract('MongoDB', () => ({
  ports: new MongoIngestStore(store.collections),
  versionsOf,
}));

const naming = { rulesFor: async () => rules };
const day = (n: number) => new Date(Date.UTC(2016, 10, 1 + n));

function volumeEvents(entityId: string, resizes: number): RecordedEvent[] {
  return [
    recorded({ ...volume.created(0), entityId, at: day(0) }, crypto.randomUUID()),
    ...Array.from({ length: resizes }, (_, n) =>
      recorded({ ...volume.resized(0, 11 + n), entityId, at: day(1 + n) }, crypto.randomUUID()),
    ),
  ];
}

async function write(ports: IngestPorts, events: readonly RecordedEvent[]): Promise<void> {
  const { logged } = await ports.appendEvents(
    events.map(({ messageId, event }) => ({
      messageId,
      eventType: event.kind,
      at: event.at,
      raw: '{}',
      entityEvent: event,
    })),
  );
  const entityId = events[0]?.event.entityId ?? '';
  const result = (
    await ports.writeEntities(new Map([[entityId, entityPlanner({ events, redelivered: logged }, naming)]]))
  ).get(entityId);
  if (!result?.ok) throw result?.error ?? new Error('not written');
}

const fastStore = (options: IngestStoreOptions = {}) =>
  new MongoIngestStore(store.collections, {
    stallMs: 300,
    knowledgeTtlMs: 100,
    pruneAfterMs: 1_000,
    ...options,
  });

describe('the MongoDB ingest store', () => {
  it('rewrites a history of 150 versions at once (a late event re-folding a long-lived volume)', async () => {
    const entityId = crypto.randomUUID();
    const events = volumeEvents(entityId, 149);
    const ports = new MongoIngestStore(store.collections);
    await write(
      ports,
      events.filter((_, index) => index % 2 === 0),
    );
    await write(
      ports,
      events.filter((_, index) => index % 2 === 1),
    );
    expect(await versionsOf(entityId)).toEqual(foldEvents(events, rules).versions);
  });

  it('lets two processes write one entity in turn, each learning of the other by its refused claim', async () => {
    const entityId = crypto.randomUUID();
    const [created, ...resizes] = volumeEvents(entityId, 6);
    const first = new MongoIngestStore(store.collections);
    const second = new MongoIngestStore(store.collections);
    if (!created) throw new Error('no creation');
    await write(first, [created]);
    for (const [index, resize] of resizes.entries()) await write(index % 2 ? first : second, [resize]);
    expect(await versionsOf(entityId)).toEqual(foldEvents([created, ...resizes], rules).versions);
  });

  it('takes over a claim its writer never finished once it is older than the stall bound', async () => {
    const entityId = crypto.randomUUID();
    const [created, resized] = volumeEvents(entityId, 1);
    if (!created || !resized) throw new Error('no events');
    const ports = fastStore();
    await write(ports, [created]);
    // A writer that claimed revision 2, wrote nothing and died.
    await store.collections.heads.insertOne({
      _id: headDocumentId(entityId, 2),
      entity_id: entityId,
      entity_type: 'volume',
      revision: 2,
      count: 7,
      active: null,
      newest: null,
      events: 7,
      claimed_at: new Date(),
    });
    const started = Date.now();
    await write(fastStore(), [resized]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await versionsOf(entityId)).toEqual(foldEvents([created, resized], rules).versions);
    expect(await new MongoIngestStore(store.collections).readHead(entityId)).toMatchObject({
      revision: 3,
      count: 2,
    });
  });

  it('prunes superseded revisions once they are older than the margin, keeping the first', async () => {
    const entityId = crypto.randomUUID();
    const [created, ...resizes] = volumeEvents(entityId, 6);
    const ports = fastStore();
    if (!created) throw new Error('no creation');
    await write(ports, [created]);
    for (const resize of resizes.slice(0, 3)) await write(ports, [resize]);
    await sleep(1_100);
    for (const resize of resizes.slice(3)) await write(ports, [resize]);
    const revisions = (
      await store.collections.heads.find({ entity_id: entityId, revision: { $exists: true } }).toArray()
    )
      .map((document) => ('revision' in document ? document.revision : 0))
      .sort((a, b) => a - b);
    expect(revisions).toEqual([1, 5, 6, 7]);
    expect(await versionsOf(entityId)).toEqual(foldEvents([created, ...resizes], rules).versions);
  });

  it('serves the head the API reads: the running version and the newest revision', async () => {
    const entityId = crypto.randomUUID();
    const events = volumeEvents(entityId, 2);
    await write(new MongoIngestStore(store.collections), events);
    const head = await new MongoIngestStore(store.collections).readHead(entityId);
    const active: EntityVersion | undefined = foldEvents(events, rules).versions.at(-1);
    expect(head).toMatchObject({ revision: 1, count: 3, active, events: 3 });
  });
});

describe('the event log', () => {
  it("keeps a notification's raw text for audit without the Keystone token oslo.messaging copies into it", async () => {
    const message = instanceCreated();
    const token = message._context_auth_token;
    expect(token).toEqual(expect.any(String));
    await ingestorFor(store).ingest(rabbitBody(message));
    const logged = await store.collections.events.findOne({ _id: message.message_id });
    expect(JSON.parse(logged?.raw ?? '{}')).toMatchObject({
      _context_request_id: message._context_request_id,
    });
    expect(logged?.raw).not.toContain('_context_auth_token');
    expect(logged?.raw).not.toContain(String(token));
  });
});
