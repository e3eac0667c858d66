/**
 * Bridge throughput: notifications forwarded per second from RabbitMQ into the SQS emulator, against a raw
 * amqplib consume-and-ack loop (the ceiling on the RabbitMQ side: broker and client alone) on the same
 * machine, in the same run, with the same prefetch. A third row, raw SendMessageBatch calls into the same
 * emulator with as many batches in flight as the prefetch allows, is the ceiling on the SQS side. Each
 * RabbitMQ path drains a backlog published beforehand with confirms, so publishing is not timed; the bridge
 * is timed from start(), connection included. 127.0.0.1 only; every phase is bounded in time.
 *
 *   npx tsx bench/bridge.ts            (BENCH_MESSAGES=20000 by default)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'amqplib';
import { Bridge } from '#bridge/bridge';
import { chunks, envInteger, forEachConcurrently } from '#dev/benchmarking/harness';
import { publish, ratio, round } from '#dev/benchmarking/report';
import {
  createIngestQueue,
  notificationBodies,
  testBridgeConfig,
  testLogger,
} from '#test/helpers/bridge-harness';
import { RABBITMQ_URL, TestRabbit, uniqueTopology } from '#test/helpers/rabbitmq';
import { startSqsEmulator } from '#test/helpers/sqs-emulator';
import { queueDepth, sendBodies } from '#test/helpers/sqs-queue';

const MESSAGES = envInteger('BENCH_MESSAGES', 20_000);
const PHASE_TIMEOUT_MS = 120_000;

interface Row {
  path: string;
  prefetch: number;
  messages: number;
  seconds: number;
  perSecond: number;
}

const sqs = await startSqsEmulator();
const rabbit = await TestRabbit.open();
const topology = uniqueTopology('bench');
await rabbit.declareTopology(topology);
const rows: Row[] = [];

try {
  for (const prefetch of [100, 1_000]) {
    rows.push(await rawConsumeAndAck(prefetch));
    rows.push(await rawSendMessageBatch(prefetch));
    rows.push(await throughBridge(prefetch));
  }
} finally {
  await rabbit.deleteTopology(topology).catch(() => undefined);
  await rabbit.close();
  await sqs.stop();
}

await printAndSave(rows);

/** Publishes the backlog both paths drain: Nova and Cinder notifications, half on each exchange. */
async function publishBacklog(): Promise<number> {
  const { nova, cinder } = notificationBodies(MESSAGES);
  const [novaExchange = '', cinderExchange = ''] = topology.exchanges;
  await rabbit.publishConfirmed(novaExchange, topology.routingKey, nova);
  await rabbit.publishConfirmed(cinderExchange, topology.routingKey, cinder);
  return nova.length + cinder.length;
}

async function rawConsumeAndAck(prefetch: number): Promise<Row> {
  const messages = await publishBacklog();
  const connection = await connect(RABBITMQ_URL);
  connection.on('error', () => undefined);
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  await channel.prefetch(prefetch);
  let acked = 0;
  const started = performance.now();
  await channel.consume(topology.queue, (message) => {
    if (!message) return;
    channel.ack(message);
    acked++;
  });
  await waitFor(`the raw loop acked ${messages}`, () => acked >= messages);
  const seconds = (performance.now() - started) / 1_000;
  await connection.close();
  return { path: 'raw amqplib consume + ack', prefetch, messages, seconds, perSecond: messages / seconds };
}

async function rawSendMessageBatch(prefetch: number): Promise<Row> {
  const { nova, cinder } = notificationBodies(MESSAGES);
  const bodies = [...nova, ...cinder];
  const ingest = await createIngestQueue(sqs.client);
  const started = performance.now();
  await forEachConcurrently(chunks(bodies, 10), Math.ceil(prefetch / 10), (batch) =>
    sendBodies(sqs.client, ingest.queueUrl, batch),
  );
  const seconds = (performance.now() - started) / 1_000;
  await ingest.delete();
  return {
    path: 'raw SendMessageBatch -> SQS emulator',
    prefetch,
    messages: bodies.length,
    seconds,
    perSecond: bodies.length / seconds,
  };
}

async function throughBridge(prefetch: number): Promise<Row> {
  const messages = await publishBacklog();
  const ingest = await createIngestQueue(sqs.client);
  const bridge = new Bridge({
    config: testBridgeConfig(topology, ingest.queueUrl, { BRIDGE_PREFETCH: String(prefetch) }),
    sqs: sqs.client,
    logger: testLogger,
  });
  const started = performance.now();
  await bridge.start();
  await waitFor(`the bridge forwarded ${messages}`, () => {
    const { forwarded, inFlight } = bridge.status().counters;
    return forwarded >= messages && inFlight === 0;
  });
  const seconds = (performance.now() - started) / 1_000;
  await bridge.stop(10_000);
  const arrived = await queueDepth(sqs.client, ingest.queueUrl);
  if (arrived !== messages) throw new Error(`SQS holds ${arrived} messages, expected ${messages}`);
  await ingest.delete();
  return { path: 'bridge -> SQS emulator', prefetch, messages, seconds, perSecond: messages / seconds };
}

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${PHASE_TIMEOUT_MS} ms waiting until ${what}`);
    await sleep(5);
  }
}

async function printAndSave(results: Row[]): Promise<void> {
  const raw = new Map(
    results.filter((row) => row.path.startsWith('raw amqplib')).map((row) => [row.prefetch, row]),
  );
  await publish({
    benchmark: 'bridge',
    title: 'Bridge throughput: RabbitMQ -> SQS emulator, against raw amqplib and raw SendMessageBatch',
    parameters: { messages: MESSAGES },
    rows: results.map((row) => {
      const baseline = raw.get(row.prefetch);
      return {
        path: row.path,
        prefetch: row.prefetch,
        messages: row.messages,
        seconds: round(row.seconds, 2),
        'msg/s': round(row.perSecond),
        'vs raw amqplib': baseline ? ratio(row.perSecond, baseline.perSecond) : null,
      };
    }),
  });
}
