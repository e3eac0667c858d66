import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { volumeCreated } from '#dev/simulator/cinder';
import { instanceCreated } from '#dev/simulator/nova';
import { osloEnvelope, rabbitBody } from '#dev/simulator/oslo-envelope';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '#queue/sqs-failure-routing';
import {
  ingestorFor,
  openTestStore,
  silentLogger,
  startTestIngestWorkers,
  type TestStore,
} from '#test/helpers/ingest-harness';
import { createQueuePair, startSqsEmulator } from '#test/helpers/sqs-emulator';
import { receiveExpected, sendBodies, waitForQueueDrained } from '#test/helpers/sqs-queue';

let store: TestStore;
let sqs: Awaited<ReturnType<typeof startSqsEmulator>>;

beforeAll(async () => {
  store = await openTestStore('dead_letters');
  sqs = await startSqsEmulator();
});

afterAll(async () => {
  await sqs.stop();
  await store.close();
});

it('stores the good notifications of a batch and sends the malformed ones to the dead-letter queue at their first receive, with their reason', async () => {
  // A redrive policy this generous never moves them: only the ingest itself can have sent them there.
  const { queueUrl, dlqUrl } = await createQueuePair(sqs.client, {
    name: 'ingest',
    maxReceiveCount: 1000,
    visibilityTimeoutSeconds: 1,
  });
  const good = [
    instanceCreated({ instanceId: crypto.randomUUID() }),
    instanceCreated({ instanceId: crypto.randomUUID() }),
    volumeCreated({ volumeId: crypto.randomUUID() }),
    volumeCreated({ volumeId: crypto.randomUUID() }),
  ];
  const withoutInstanceId = instanceCreated();
  delete withoutInstanceId.payload.instance_id;
  const malformed = [
    'this is not JSON',
    JSON.stringify({ ...osloEnvelope(instanceCreated()), 'oslo.message': '{"truncated": ' }),
    rabbitBody(withoutInstanceId),
    rabbitBody({ ...volumeCreated(), timestamp: 'yesterday' }),
  ];
  const goodBodies = good.map(rabbitBody);
  await sendBodies(sqs.client, queueUrl, [
    ...goodBodies.slice(0, 2),
    ...malformed.slice(0, 2),
    ...goodBodies.slice(2),
    ...malformed.slice(2),
  ]);

  const logger = silentLogger();
  const logged = vi.spyOn(logger, 'error');
  const ingestor = ingestorFor(store);
  const worker = startTestIngestWorkers({
    client: sqs.client,
    queueUrl,
    ingestor,
    logger,
    redelivery: { deadLetterQueueUrl: dlqUrl, backoff: { baseSeconds: 1, maxSeconds: 1 } },
  });
  const deadLetters = await receiveExpected(sqs.client, dlqUrl, {
    expected: malformed.length,
    timeoutMs: 30_000,
  });
  await waitForQueueDrained(sqs.client, queueUrl, { timeoutMs: 10_000 });
  await worker.stop();

  expect(deadLetters.map((message) => message.Body).sort()).toEqual([...malformed].sort());
  const reasons = deadLetters.map(
    (message) => message.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue,
  );
  expect(reasons).toContainEqual(expect.stringMatching(/^payload\.instance_id: /));
  expect(reasons.every((reason) => typeof reason === 'string' && reason.length > 0)).toBe(true);
  expect(deadLetters.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(
    malformed.map(() => '1'),
  );
  for (const message of good) {
    const entityId = String(message.payload.instance_id ?? message.payload.volume_id);
    expect(await store.entities.versionsOf(entityId)).toHaveLength(1);
  }
  expect(logged).toHaveBeenCalledWith(
    'malformed notification: it will reach the dead-letter queue',
    expect.objectContaining({ field: 'payload.instance_id' }),
  );
  expect(ingestor.metrics.get('EventsApplied')).toBe(good.length);
});
