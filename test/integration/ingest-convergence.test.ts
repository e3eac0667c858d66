import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateCloud } from '#dev/simulator/cloud';
import { type OsloMessage, rabbitBody } from '#dev/simulator/oslo-envelope';
import { shuffled } from '#dev/simulator/random';
import {
  entityCollection,
  ingestorFor,
  openTestStore,
  startTestIngestWorkers,
  type TestStore,
} from '#test/helpers/ingest-harness';
import { createQueuePair, startSqsEmulator } from '#test/helpers/sqs-emulator';
import { sendBodies, waitForQueueDrained } from '#test/helpers/sqs-queue';

/**
 * The first 1,000 notifications of a month of 8 projects: about 300 instances and volumes. With 4 workers,
 * this stream once let a volume type learned late bring back a stale version (a volume billed twice).
 */
const STREAM = simulateCloud({
  seed: 20161124,
  projects: 8,
  instancesPerProject: 20,
  volumesPerProject: 20,
  start: new Date('2016-11-24T00:00:00Z'),
  days: 30,
})
  .notifications.map(({ message }) => message)
  .slice(0, 1000);
const stores: TestStore[] = [];
let reference: Awaited<ReturnType<typeof entityCollection>>;

async function ingestedSequentially(name: string, messages: readonly OsloMessage[]) {
  const store = await openTestStore(name);
  stores.push(store);
  await ingestorFor(store).ingestAll(messages);
  return entityCollection(store);
}

// FerretDB's SQLite backend takes ~50 ms per in-order event: each run of the stream takes about a minute.
const RUN_TIMEOUT = 300_000;

beforeAll(async () => {
  reference = await ingestedSequentially('in_order', STREAM);
}, RUN_TIMEOUT);

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
});

describe('the entity collection built from one 1,000-event stream of a few hundred entities', () => {
  it('holds a version for every entity of the stream', () => {
    const entities = new Set(reference.map((version) => version.entity_id));
    expect(STREAM).toHaveLength(1000);
    expect(entities.size).toBeGreaterThan(250);
  });

  it(
    'is the same when the stream arrives shuffled',
    async () => {
      expect(await ingestedSequentially('shuffled', shuffled(STREAM, 7))).toEqual(reference);
    },
    RUN_TIMEOUT,
  );

  it(
    'is the same when every message is delivered twice',
    async () => {
      expect(await ingestedSequentially('twice', shuffled([...STREAM, ...STREAM], 11))).toEqual(reference);
    },
    RUN_TIMEOUT,
  );

  it(
    'is the same when 4 ingest workers consume the stream from SQS concurrently',
    async () => {
      const store = await openTestStore('workers');
      stores.push(store);
      const sqs = await startSqsEmulator();
      try {
        const { queueUrl } = await createQueuePair(sqs.client, {
          name: 'ingest',
          maxReceiveCount: 10,
          visibilityTimeoutSeconds: 5,
        });
        await sendBodies(sqs.client, queueUrl, shuffled(STREAM, 13).map(rabbitBody));
        const ingestor = ingestorFor(store);
        const workers = startTestIngestWorkers({ client: sqs.client, queueUrl, ingestor, count: 4 });
        await waitForQueueDrained(sqs.client, queueUrl, { timeoutMs: 240_000 });
        await workers.stop();
        expect(await entityCollection(store)).toEqual(reference);
        expect(ingestor.metrics.get('FailedNotifications')).toBe(0);
      } finally {
        await sqs.stop();
      }
    },
    RUN_TIMEOUT,
  );
});
