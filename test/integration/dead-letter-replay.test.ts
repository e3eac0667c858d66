import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { volumeCreated } from '#dev/simulator/cinder';
import { simulateCloud } from '#dev/simulator/cloud';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '#queue/sqs-failure-routing';
import {
  entityCollection,
  ingestorFor,
  openTestStore,
  startTestIngestWorkers,
  type TestStore,
} from '#test/helpers/ingest-harness';
import { replayCli } from '#test/helpers/replay-cli';
import {
  createQueuePair,
  type QueuePair,
  type SqsEmulator,
  startSqsEmulator,
} from '#test/helpers/sqs-emulator';
import { queueDepth, receiveExpected, sendBodies, waitForQueueDrained } from '#test/helpers/sqs-queue';
import { startTcpProxy, type TcpProxy } from '#test/helpers/tcp-proxy';

let sqs: SqsEmulator;
let queueNumber = 0;

beforeAll(async () => {
  sqs = await startSqsEmulator();
});

afterAll(async () => {
  await sqs.stop();
});

/** A fresh ingest queue and its dead-letter queue: two receives, one second apart, before a message is dead. */
function queuePair(): Promise<QueuePair> {
  return createQueuePair(sqs.client, {
    name: `replay-${++queueNumber}`,
    maxReceiveCount: 2,
    visibilityTimeoutSeconds: 1,
  });
}

/** The CLI as an operator runs it, its output captured. */
function replay(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return replayCli(sqs.endpoint, ...args);
}

const cloud = simulateCloud({
  seed: 11,
  projects: 2,
  instancesPerProject: 4,
  volumesPerProject: 3,
  start: new Date('2026-09-01T00:00:00Z'),
  days: 20,
});
const bodies = cloud.notifications.map(({ message }) => rabbitBody(message));
const withoutInstanceId = instanceCreated({ tenantId: 'poison-project' });
delete withoutInstanceId.payload.instance_id;
const malformed = [
  '{"oslo.version": "2.0", "oslo.message": "{\\"truncated\\": "}',
  rabbitBody(withoutInstanceId),
];

describe('replaying what failed while MongoDB was unreachable', { timeout: 240_000 }, () => {
  let store: TestStore;
  let reference: TestStore;
  let proxy: TcpProxy;
  let queues: QueuePair;
  let deadDuringOutage = 0;

  beforeAll(async () => {
    const { hostname, port } = new URL(inject('mongoUri'));
    proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    store = await openTestStore('replay', `mongodb://127.0.0.1:${proxy.port}/`, {
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
    });
    reference = await openTestStore('replay_reference');
    const inOrder = ingestorFor(reference);
    for (const body of bodies) await inOrder.ingest(body);
    queues = await queuePair();

    const workers = startTestIngestWorkers({
      client: sqs.client,
      queueUrl: queues.queueUrl,
      ingestor: ingestorFor(store),
    });
    try {
      const half = Math.floor(bodies.length / 2);
      await sendBodies(sqs.client, queues.queueUrl, bodies.slice(0, half));
      await waitForQueueDrained(sqs.client, queues.queueUrl, { timeoutMs: 60_000 });
      proxy.refuse(true);
      proxy.resetAll();
      await sendBodies(sqs.client, queues.queueUrl, [...bodies.slice(half), ...malformed]);
      // Notifications Almanach ignores need no database and go through; the rest fail twice and are dead.
      await waitForQueueDrained(sqs.client, queues.queueUrl, { timeoutMs: 120_000 });
      deadDuringOutage = await queueDepth(sqs.client, queues.dlqUrl);
      proxy.refuse(false);
      await replay('--queue', queues.dlqUrl);
      await waitForQueueDrained(sqs.client, queues.queueUrl, { timeoutMs: 120_000 });
    } finally {
      await workers.stop();
    }
  });

  afterAll(async () => {
    await store?.close();
    await reference?.close();
    await proxy?.close();
  });

  it('stores every notification exactly once', async () => {
    const stored = await store.collections.events.find({}, { projection: { _id: 1 } }).toArray();
    const expected = await reference.collections.events.distinct('_id');

    expect(deadDuringOutage).toBeGreaterThan(bodies.length / 3);
    expect(stored.map(({ _id }) => _id).sort()).toEqual([...expected].sort());
  });

  it('ends with the entities an uninterrupted ingest of the same stream gives', async () => {
    expect(await entityCollection(store)).toEqual(await entityCollection(reference));
  });

  it('leaves only the malformed notifications in the dead-letter queue, listed with their reason', async () => {
    const listing = await replay('--queue', queues.dlqUrl, '--list');

    expect(listing.code).toBe(0);
    expect(listing.stdout).toContain('malformed: oslo.message: is not valid JSON');
    expect(listing.stdout).toContain('malformed: payload.instance_id');
    expect(listing.stdout).toContain('read 2, selected 2');
  });
});

describe('the replay command', { timeout: 60_000 }, () => {
  const instance = rabbitBody(instanceCreated({ tenantId: 'project-a' }));
  const volume = rabbitBody(volumeCreated({ tenantId: 'project-b' }));

  async function deadLetters(): Promise<QueuePair> {
    const queues = await queuePair();
    await sendBodies(sqs.client, queues.dlqUrl, [instance, volume, 'not json']);
    return queues;
  }

  it('sends and deletes nothing on --dry-run, saying what it would replay', async () => {
    const queues = await deadLetters();

    const run = await replay('--queue', queues.dlqUrl, '--dry-run');

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('read 3, selected 2, left in the queue 3');
    expect(await queueDepth(sqs.client, queues.queueUrl)).toBe(0);
    expect(await queueDepth(sqs.client, queues.dlqUrl)).toBe(3);
  });

  it('replays only the event types and project asked for, to the source queue, deleting only those', async () => {
    const queues = await deadLetters();

    const run = await replay('--queue', queues.dlqUrl, '--event-type', 'volume.*', '--project', 'project-b');

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('read 3, selected 1, replayed 1, failed 0, left in the queue 2');
    expect(await queueDepth(sqs.client, queues.queueUrl)).toBe(1);
    expect(await queueDepth(sqs.client, queues.dlqUrl)).toBe(2);
  });

  it('writes the selected messages with their diagnosis to a file and leaves them in the queue', async () => {
    const queues = await deadLetters();
    const file = join(tmpdir(), `dead-letters-${process.pid}-${queueNumber}.jsonl`);

    const run = await replay('--queue', queues.dlqUrl, '--to-file', file, '--include-malformed');
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { body: string; malformed: boolean });

    expect(run.code).toBe(0);
    expect(lines.map((line) => line.body).sort()).toEqual([instance, volume, 'not json'].sort());
    expect(lines.filter((line) => line.malformed)).toHaveLength(1);
    expect(await queueDepth(sqs.client, queues.dlqUrl)).toBe(3);
  });

  it('reads at most --max messages per run, so interrupted or partial runs add up to one full replay', async () => {
    const queues = await deadLetters();

    const first = await replay('--queue', queues.dlqUrl, '--max', '1', '--include-malformed');
    const rest = await replay('--queue', queues.dlqUrl, '--include-malformed');

    expect(first.stdout).toContain('read 1');
    expect(rest.stdout).toContain('read 2');
    expect(await queueDepth(sqs.client, queues.queueUrl)).toBe(3);
    expect(await queueDepth(sqs.client, queues.dlqUrl)).toBe(0);
  });

  it('names a dead-letter queue that does not exist and exits 1, without a stack trace', async () => {
    const run = await replay('--queue', 'no-such-queue-dlq', '--list');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('almanach-replay: SQS has no queue named no-such-queue-dlq');
  });

  it('replays a notification the ingest dead-lettered itself with its own attributes, without the reason it added', async () => {
    const queues = await queuePair();
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queues.dlqUrl,
        MessageBody: instance,
        MessageAttributes: {
          'amqp-routing-key': { DataType: 'String', StringValue: 'notifications.info' },
          [DEAD_LETTER_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: 'a bug since fixed' },
        },
      }),
    );

    const run = await replay('--queue', queues.dlqUrl);
    const [replayed] = await receiveExpected(sqs.client, queues.queueUrl, { expected: 1, timeoutMs: 10_000 });

    expect(run.code).toBe(0);
    expect(replayed?.Body).toBe(instance);
    expect(Object.keys(replayed?.MessageAttributes ?? {})).toEqual(['amqp-routing-key']);
  });

  it('names the option at fault and exits 2 on a bad option value', async () => {
    const run = await replay('--older-than', 'yesterday');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--older-than: a number followed by s, m, h or d');
  });
});
