import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { mappingOptionsFrom } from '#config/ingest-settings';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { type SimulatedNotification, simulateCloud } from '#dev/simulator/cloud';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { publishStream } from '#dev/simulator/publish';
import { SeededDraws } from '#dev/simulator/random';
import { expectedUsage } from '#dev/simulator/truth';
import { mapNotification } from '#domain/mapping';
import { parseNotification } from '#domain/notification';
import { forceCloseConnections } from '#test/helpers/rabbitmq';
import { replayCli } from '#test/helpers/replay-cli';
import type { Publication } from '#test/helpers/stream-publisher';
import { waitUntil } from '#test/helpers/wait';
import { type Expectation, type Ledger, WholeStack, type WholeStackOptions } from '#test/helpers/whole-stack';

/**
 * Each fault is injected into the whole system, running as it runs for real (bridge and ingest workers as
 * processes on the machine's RabbitMQ, FerretDB, the SQS emulator), while a simulated month of a cloud is
 * published with confirms. Then the exact accounting: every notification the ingest records is in
 * `events` exactly once, and the usage the API reports equals what really ran. `npm run soak` runs the same
 * with FAULTS_SCALE times the projects, at FAULTS_RATE notifications/s.
 */
const SCALE = Number(process.env.FAULTS_SCALE ?? 1);
const RATE = Number(process.env.FAULTS_RATE ?? 15 * SCALE);
const SETTLE_MS = 240_000 * SCALE;
const run = promisify(execFile);

const MAPPING = mappingOptionsFrom(loadConfig(rulesConfigSchema, {}));

const cloud = simulateCloud({
  seed: 20_261_130,
  projects: 4 * SCALE,
  instancesPerProject: 5,
  volumesPerProject: 4,
  start: new Date('2026-10-01T00:00:00Z'),
  days: 30,
});

const expectation: Expectation = {
  recorded: new Set(recordedIds(cloud.notifications)),
  usage: expectedUsage(cloud.projectIds, cloud.entities, cloud.period),
  period: cloud.period,
};

/** The notifications the ingest keeps in `events` (entity and volume-type events); it ignores the rest by type. */
function recordedIds(notifications: readonly SimulatedNotification[]): string[] {
  return notifications
    .filter(
      ({ message }) => mapNotification(parseNotification(rabbitBody(message)), MAPPING).type !== 'ignored',
    )
    .map(({ message }) => message.message_id);
}

function publicationsOf(stack: WholeStack): Publication[] {
  const [nova = '', cinder = ''] = stack.topology.exchanges;
  return cloud.notifications.map(({ service, message }) => ({
    id: message.message_id,
    exchange: service === 'nova' ? nova : cinder,
    body: rabbitBody(message),
  }));
}

interface Row {
  fault: string;
  published: number;
  /** Published again by the notifier after a lost confirm or a return: the same message twice. */
  republished: number;
  stored: number;
  'duplicates absorbed': number;
  lost: number;
  'dead-lettered': number;
  /** From the end of the fault until what was published before it is stored. */
  's to recover': number;
  /** From the end of the fault until the whole stream is stored (the rest is published at the stream's rate). */
  's to complete': number;
}
const table: Row[] = [];

afterAll(() => {
  // docs/reliability.md's table comes from this output.
  console.table(table);
});

function record(fault: string, stack: WholeStack, published: number, ledger: Ledger): void {
  table.push({
    fault,
    published,
    republished: stack.publisher.attempts - published,
    stored: ledger.stored,
    'duplicates absorbed': ledger.duplicatesAbsorbed,
    lost: ledger.lost.length,
    'dead-lettered': ledger.deadLettered,
    's to recover': ledger.secondsToRecover,
    's to complete': ledger.secondsToComplete,
  });
}

interface FaultRun {
  stack?: WholeStackOptions;
  /** What is published (default: the simulated stream once, in order). */
  publications?: (stack: WholeStack) => Publication[];
  /** Injected once a third of the stream is published; resolves when the fault is over. */
  inject: (stack: WholeStack) => Promise<void>;
}

async function runWithFault(fault: string, scenario: FaultRun): Promise<Ledger> {
  const stack = await WholeStack.start(
    fault
      .replace(/[^a-z0-9]+/gi, '-')
      .slice(0, 20)
      .toLowerCase(),
    scenario.stack,
  );
  try {
    const publications = scenario.publications?.(stack) ?? publicationsOf(stack);
    let sent = 0;
    const publishing = publishStream(stack.publisher, publications, {
      rate: RATE,
      batchSize: 10,
      onProgress: (count) => {
        sent = count;
      },
    });
    await Promise.race([
      waitUntil('a third of the stream is published', () => sent >= publications.length / 3, 120_000),
      publishing,
    ]);
    await scenario.inject(stack);
    const faultEnded = Date.now();
    const backlog = new Set(
      publications.slice(0, sent).flatMap(({ id }) => (expectation.recorded.has(id) ? [id] : [])),
    );
    const [ledger] = await Promise.all([
      stack.settle({ ...expectation, backlog }, faultEnded, SETTLE_MS),
      publishing,
    ]);
    record(fault, stack, publications.length, ledger);
    expect(stack.leakedSecrets()).toEqual([]);
    return ledger;
  } finally {
    await stack.stop();
  }
}

function expectExactAccounting(ledger: Ledger): void {
  expect(ledger.lost).toEqual([]);
  expect(ledger.unexpected).toEqual([]);
  expect(ledger.stored).toBe(expectation.recorded.size);
  expect(ledger.usageMismatches).toEqual([]);
  expect(ledger.deadLettered).toBe(0);
}

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', args, { timeout: 120_000 });
}

describe('faults through the whole local stack', { timeout: 600_000 * SCALE }, () => {
  it('loses nothing and counts nothing twice when RabbitMQ force-closes every connection mid-stream', async () => {
    const ledger = await runWithFault('RabbitMQ connections force-closed', {
      inject: async (stack) => {
        const closed =
          (await forceCloseConnections(stack.bridgeConnectionName)) +
          (await forceCloseConnections(stack.publisher.connectionName));
        expect(closed).toBeGreaterThanOrEqual(2);
      },
    });

    expectExactAccounting(ledger);
  });

  it('loses nothing and counts nothing twice when the RabbitMQ app is stopped and started mid-stream', async () => {
    const ledger = await runWithFault('RabbitMQ stop_app / start_app', {
      inject: async () => {
        try {
          await rabbitmqctl('stop_app');
          await sleep(3_000);
        } finally {
          await rabbitmqctl('start_app');
        }
      },
    });

    expectExactAccounting(ledger);
  });

  it('loses nothing and counts nothing twice when the MongoDB-compatible server is killed and restarted', async () => {
    const ledger = await runWithFault('FerretDB SIGKILL + restart', {
      inject: async (stack) => {
        stack.ferretdb.kill('SIGKILL');
        await sleep(3_000);
        await stack.ferretdb.restart();
      },
    });

    expectExactAccounting(ledger);
  });

  it('loses nothing and counts nothing twice when SQS is unavailable for a while', async () => {
    const ledger = await runWithFault('SQS unavailable 10 s', {
      inject: async (stack) => {
        stack.proxy.setMode('unavailable');
        await sleep(10_000);
        stack.proxy.setMode('pass');
      },
    });

    expectExactAccounting(ledger);
  });

  it('loses nothing and counts nothing twice when the bridge is killed mid-batch and restarted', async () => {
    const ledger = await runWithFault('bridge SIGKILL + restart', {
      inject: async (stack) => {
        await stack.killBridge();
        await sleep(2_000);
        await stack.startBridge();
      },
    });

    expectExactAccounting(ledger);
  });

  it('loses nothing and counts nothing twice when an ingest worker is killed mid-batch and restarted', async () => {
    const ledger = await runWithFault('ingest worker SIGKILL + restart', {
      inject: async (stack) => {
        const worker = stack.workers[0];
        const applied = worker?.count('notification applied') ?? 0;
        // Mid-batch: right after it stored one notification of a batch, before it deleted the batch.
        await waitUntil(
          'the worker stores a notification',
          () => (worker?.count('notification applied') ?? 0) > applied,
          60_000,
        );
        await stack.killWorker(0);
        await sleep(1_000);
        await stack.startWorker();
      },
    });

    expectExactAccounting(ledger);
  });

  it('records each notification once when every message is delivered 3 times, in shuffled batches, to 4 workers', async () => {
    const ledger = await runWithFault('3x delivery, shuffled, 4 workers', {
      stack: { workers: 4 },
      publications: (stack) => tripledAndShuffled(publicationsOf(stack)),
      inject: async () => undefined,
    });

    expectExactAccounting(ledger);
  });

  it('dead-letters 1% poison with a reason, leaves the rest unaffected, and a replay after the fix completes the result', async () => {
    const stack = await WholeStack.start('poison', { maxReceiveCount: 3, visibilityTimeoutSeconds: 2 });
    try {
      const publications = publicationsOf(stack);
      const draws = new SeededDraws(7);
      const poisonCount = Math.max(2, Math.round(publications.length / 100));
      // Broken in transit between the queue and the ingest until the fix: well-formed in the queue itself.
      const recorded = [...expectation.recorded];
      const corrupted = new Set(Array.from({ length: poisonCount }, () => draws.pick(recorded)));
      const garbage = garbageFor(stack, poisonCount);
      stack.proxy.corruptReceived((body) => [...corrupted].some((id) => body.includes(id)));

      await publishStream(stack.publisher, interleave(publications, garbage), { rate: RATE, batchSize: 10 });
      const poisoned = garbage.length + corrupted.size;
      await waitUntil(
        'the poison is dead-lettered',
        async () => (await stack.deadLettered()) >= poisoned,
        SETTLE_MS,
      );
      const unaffected = await stack.settle(
        // Usage is not complete yet (the poisoned notifications are missing): only the events are accounted.
        {
          ...expectation,
          usage: [],
          recorded: new Set([...expectation.recorded].filter((id) => !corrupted.has(id))),
        },
        Date.now(),
        SETTLE_MS,
      );
      const listed = await replayCli(
        stack.sqs.endpoint,
        '--queue',
        stack.queues.dlqUrl,
        '--list',
        '--json',
        '--include-malformed',
      );

      stack.proxy.corruptReceived(undefined);
      const fixed = Date.now();
      const replayed = await replayCli(
        stack.sqs.endpoint,
        '--queue',
        stack.queues.dlqUrl,
        '--to',
        stack.queues.queueUrl,
      );
      const ledger = await stack.settle(expectation, fixed, SETTLE_MS);
      record('1% poison, then fix + replay', stack, publications.length + garbage.length, ledger);

      expect(unaffected.lost).toEqual([]);
      expect(unaffected.deadLettered).toBe(poisoned);
      expect(
        stack.logCount('malformed notification: it will reach the dead-letter queue'),
      ).toBeGreaterThanOrEqual(poisoned);
      const diagnoses = listed.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { malformed: boolean; reason: string });
      expect(diagnoses).toHaveLength(poisoned);
      expect(diagnoses.filter((diagnosis) => diagnosis.malformed)).toHaveLength(garbage.length);
      expect(diagnoses.every((diagnosis) => diagnosis.reason.length > 0)).toBe(true);
      expect(replayed.code).toBe(0);
      expect(ledger.lost).toEqual([]);
      expect(ledger.usageMismatches).toEqual([]);
      expect(ledger.deadLettered).toBe(garbage.length);
    } finally {
      await stack.stop();
    }
  });
});

/** Each batch of ten three times, the batches in a seeded random order. */
function tripledAndShuffled(publications: readonly Publication[]): Publication[] {
  const batches: Publication[][] = [];
  for (let offset = 0; offset < publications.length; offset += 10) {
    const batch = publications.slice(offset, offset + 10);
    batches.push(batch, batch, batch);
  }
  const draws = new SeededDraws(3);
  for (let index = batches.length - 1; index > 0; index--) {
    const other = draws.integer(0, index);
    [batches[index], batches[other]] = [batches[other] ?? [], batches[index] ?? []];
  }
  return batches.flat();
}

/** Messages no notifier should send: not JSON, not oslo's envelope, an envelope around nothing usable. */
function garbageFor(stack: WholeStack, count: number): Publication[] {
  const [nova = ''] = stack.topology.exchanges;
  const bodies = [
    'not json at all',
    JSON.stringify({ event_type: 'compute.instance.create.end' }),
    JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{"event_type": ' }),
    JSON.stringify({
      'oslo.version': '2.0',
      'oslo.message': JSON.stringify({ message_id: 'x', payload: {} }),
    }),
  ];
  return Array.from({ length: count }, (_, index) => ({
    id: `poison-${index}`,
    exchange: nova,
    body: bodies[index % bodies.length] ?? '',
  }));
}

/** `extra` spread evenly through `stream`. */
function interleave(stream: readonly Publication[], extra: readonly Publication[]): Publication[] {
  const every = Math.max(1, Math.floor(stream.length / (extra.length + 1)));
  const mixed: Publication[] = [];
  stream.forEach((publication, index) => {
    mixed.push(publication);
    const slot = (index + 1) / every - 1;
    if ((index + 1) % every === 0 && slot < extra.length) mixed.push(extra[slot] as Publication);
  });
  return mixed;
}
