import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '#amqp/dead-letter';
import type { Topology } from '#amqp/topology';
import { Bridge } from '#bridge/bridge';
import { ATTRIBUTE_NAMES } from '#bridge/outgoing-message';
import { createSqsClient } from '#queue/sqs-client';
import {
  createIngestQueue,
  missing,
  notificationBodies,
  SqsCollector,
  testBridgeConfig,
  testLogger,
} from '#test/helpers/bridge-harness';
import { instanceCreated, rabbitBody } from '#test/helpers/notifications';
import { TestRabbit, uniqueTopology } from '#test/helpers/rabbitmq';
import { type SqsEmulator, startSqsEmulator } from '#test/helpers/sqs-emulator';
import { startSqsFaultProxy } from '#test/helpers/sqs-fault-proxy';
import { waitUntil } from '#test/helpers/wait';

let sqs: SqsEmulator;
let rabbit: TestRabbit;
let topology: Topology;
let ingest: { queueUrl: string; delete(): Promise<void> };
let bridge: Bridge | undefined;

beforeAll(async () => {
  sqs = await startSqsEmulator();
  rabbit = await TestRabbit.open();
});

afterAll(async () => {
  await rabbit.close();
  await sqs.stop();
});

beforeEach(async () => {
  topology = uniqueTopology('forwarding');
  ingest = await createIngestQueue(sqs.client);
});

afterEach(async () => {
  await bridge?.stop(5_000);
  bridge = undefined;
  await rabbit.deleteTopology(topology);
  await ingest.delete();
});

async function startBridge(overrides: Record<string, string> = {}, client = sqs.client): Promise<Bridge> {
  bridge = new Bridge({
    config: testBridgeConfig(topology, ingest.queueUrl, overrides),
    sqs: client,
    logger: testLogger,
  });
  await bridge.start();
  const started = bridge;
  await waitUntil('the bridge consumes', () => started.status().connection === 'consuming', 10_000);
  return started;
}

describe('the bridge forwarding RabbitMQ notifications to SQS', { timeout: 120_000 }, () => {
  it('delivers 10,000 confirmed notifications to SQS exactly as published, once each, leaving none in RabbitMQ', async () => {
    await rabbit.declareTopology(topology);
    const { nova, cinder } = notificationBodies(10_000);
    const [novaExchange = '', cinderExchange = ''] = topology.exchanges;
    const running = await startBridge();
    await Promise.all([
      rabbit.publishConfirmed(novaExchange, topology.routingKey, nova),
      rabbit.publishConfirmed(cinderExchange, topology.routingKey, cinder),
    ]);
    const sent = [...nova, ...cinder];

    const collector = new SqsCollector(sqs.client, ingest.queueUrl);
    await collector.until(
      'every notification arrived',
      () => collector.distinctBodies().size >= sent.length,
      90_000,
    );
    await running.stop(5_000);
    await collector.drain();

    expect(missing(sent, collector.distinctBodies())).toEqual([]);
    expect(collector.messages).toHaveLength(sent.length);
    expect(collector.distinctBodies()).toEqual(new Set(sent));
    expect(await rabbit.readyCount(topology.queue)).toBe(0);
    expect(running.status().counters).toMatchObject({ forwarded: sent.length, inFlight: 0, failed: 0 });
  });

  it('sends the exchange, routing key, AMQP message id and timestamp as message attributes', async () => {
    await rabbit.declareTopology(topology);
    const [, cinderExchange = ''] = topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await startBridge();
    await rabbit.publishConfirmed(cinderExchange, topology.routingKey, [body], {
      messageId: 'amqp-message-1',
      timestamp: 1_700_000_000,
    });

    const collector = new SqsCollector(sqs.client, ingest.queueUrl);
    await collector.until('the notification arrived', () => collector.messages.length === 1, 10_000);

    expect(collector.messages[0]?.Body).toBe(body);
    expect(collector.messages[0]?.MessageAttributes).toEqual({
      [ATTRIBUTE_NAMES.exchange]: { DataType: 'String', StringValue: cinderExchange },
      [ATTRIBUTE_NAMES.routingKey]: { DataType: 'String', StringValue: topology.routingKey },
      [ATTRIBUTE_NAMES.messageId]: { DataType: 'String', StringValue: 'amqp-message-1' },
      [ATTRIBUTE_NAMES.timestamp]: { DataType: 'Number', StringValue: '1700000000' },
    });
  });

  it('declares the exchanges and the queue itself, so notifications published after it started reach SQS', async () => {
    await startBridge();
    const [novaExchange = ''] = topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await rabbit.publishConfirmed(novaExchange, topology.routingKey, [body]);

    const collector = new SqsCollector(sqs.client, ingest.queueUrl);
    await collector.until('the notification arrived', () => collector.messages.length === 1, 10_000);

    expect(collector.bodies()).toEqual([body]);
  });

  it('moves a notification larger than SQS accepts to the dead-letter queue with the reason, and forwards the rest', async () => {
    await rabbit.declareTopology(topology);
    const [novaExchange = ''] = topology.exchanges;
    const small = rabbitBody(instanceCreated());
    const large = rabbitBody(instanceCreated({ payload: { padding: 'x'.repeat(300_000) } }));
    const running = await startBridge();
    await rabbit.publishConfirmed(novaExchange, topology.routingKey, [small, large]);

    const collector = new SqsCollector(sqs.client, ingest.queueUrl);
    await collector.until('the small notification arrived', () => collector.messages.length === 1, 10_000);
    await waitUntil(
      'the large one is dead-lettered',
      () => running.status().counters.deadLettered === 1,
      10_000,
    );
    const deadLetters = await rabbit.takeAll(topology.deadLetterQueue);

    expect(collector.bodies()).toEqual([small]);
    expect(deadLetters.map((letter) => letter.body)).toEqual([large]);
    expect(deadLetters[0]?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/SQS accepts at most 262144/);
    expect(deadLetters[0]?.headers[DEAD_LETTER_HEADERS.exchange]).toBe(novaExchange);
  });

  it('sends again the entries SQS reports as failed and acknowledges them only once accepted', async () => {
    await rabbit.declareTopology(topology);
    const proxy = await startSqsFaultProxy(sqs.endpoint);
    try {
      proxy.setMode('fail-first-entry');
      const { nova } = notificationBodies(100);
      const [novaExchange = ''] = topology.exchanges;
      await rabbit.publishConfirmed(novaExchange, topology.routingKey, nova);
      const running = await startBridge(
        { BRIDGE_SEND_ATTEMPTS: '20' },
        createSqsClient({ endpoint: proxy.endpoint }),
      );

      const collector = new SqsCollector(sqs.client, ingest.queueUrl);
      await collector.until(
        'every notification arrived',
        () => collector.distinctBodies().size >= nova.length,
        30_000,
      );
      await waitUntil('everything is acknowledged', () => running.status().counters.inFlight === 0, 10_000);
      await running.stop(5_000);

      expect(proxy.failedEntries()).toBeGreaterThan(0);
      expect(running.status().counters.retried).toBeGreaterThanOrEqual(proxy.failedEntries());
      expect(collector.distinctBodies()).toEqual(new Set(nova));
      expect(await rabbit.readyCount(topology.queue)).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
