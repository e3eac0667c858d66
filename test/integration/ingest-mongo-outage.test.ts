import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFerretdb, testFerretdbOptions } from '#dev/ferretdb/server';
import { simulateCloud } from '#dev/simulator/cloud';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { HANDLED_EVENT_TYPES } from '#domain/mapping';
import {
  entityCollection,
  ingestorFor,
  openTestStore,
  startTestIngestWorkers,
  type TestStore,
} from '#test/helpers/ingest-harness';
import { createQueuePair, startSqsEmulator } from '#test/helpers/sqs-emulator';
import { queueDepth, sendBodies, waitForQueueDrained } from '#test/helpers/sqs-queue';
import { waitUntil } from '#test/helpers/wait';

const STREAM = simulateCloud({
  seed: 4242,
  projects: 3,
  instancesPerProject: 15,
  volumesPerProject: 15,
  start: new Date('2016-11-24T00:00:00Z'),
  days: 30,
}).notifications.map(({ message }) => message);
let mongo: Awaited<ReturnType<typeof startFerretdb>>;
let sqs: Awaited<ReturnType<typeof startSqsEmulator>>;
const stores: TestStore[] = [];

beforeAll(async () => {
  // A server of its own, since this test kills it.
  mongo = await startFerretdb(await testFerretdbOptions());
  sqs = await startSqsEmulator();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await sqs.stop();
  await mongo.stop();
});

it('acknowledges nothing it did not store while MongoDB is down, and stores every event exactly once after', async () => {
  const reference = await openTestStore('outage_reference');
  stores.push(reference);
  await ingestorFor(reference).ingestAll(STREAM);

  const store = await openTestStore('outage', mongo.uri);
  stores.push(store);
  const { queueUrl, dlqUrl } = await createQueuePair(sqs.client, {
    name: 'ingest',
    maxReceiveCount: 1000,
    visibilityTimeoutSeconds: 2,
  });
  const ingestor = ingestorFor(store);
  const { metrics } = ingestor;
  const worker = startTestIngestWorkers({ client: sqs.client, queueUrl, ingestor });

  const half = Math.floor(STREAM.length / 2);
  await sendBodies(sqs.client, queueUrl, STREAM.slice(0, half).map(rabbitBody));
  await waitUntil('some events are stored', () => metrics.get('EventsApplied') >= 20);
  mongo.kill('SIGKILL');
  await sendBodies(sqs.client, queueUrl, STREAM.slice(half).map(rabbitBody));
  await waitUntil('ingest fails while MongoDB is down', () => metrics.get('FailedNotifications') > 0, 60_000);
  const waitingDuringOutage = await queueDepth(sqs.client, queueUrl);
  await mongo.restart();
  await waitForQueueDrained(sqs.client, queueUrl, { timeoutMs: 240_000 });
  await worker.stop();

  expect(waitingDuringOutage).toBeGreaterThan(0);
  expect(await queueDepth(sqs.client, dlqUrl)).toBe(0);
  const ids = await store.collections.events.distinct('_id');
  expect(ids).toHaveLength(
    STREAM.filter((message) => HANDLED_EVENT_TYPES.includes(message.event_type)).length,
  );
  expect(await store.collections.events.countDocuments({ applied: false })).toBe(0);
  expect(await entityCollection(store)).toEqual(await entityCollection(reference));
});
