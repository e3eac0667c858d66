import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '#amqp/dead-letter';
import { ATTRIBUTE_NAMES } from '#bridge/outgoing-message';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { createSqsClient } from '#queue/sqs-client';
import { missing, notificationBodies, SqsCollector } from '#test/helpers/bridge-harness';
import { useBridgeTestbed } from '#test/helpers/bridge-testbed';
import { startSqsFaultProxy } from '#test/helpers/sqs-fault-proxy';
import { waitUntil } from '#test/helpers/wait';

// Without its bed.topology declared: one test checks the bridge declares it itself.
const bed = useBridgeTestbed('forwarding', { declareTopology: false });

describe('the bridge forwarding RabbitMQ notifications to SQS', { timeout: 120_000 }, () => {
  it('delivers 10,000 confirmed notifications to SQS exactly as published, once each, leaving none in RabbitMQ', async () => {
    await bed.rabbit.declareTopology(bed.topology);
    const { nova, cinder } = notificationBodies(10_000);
    const [novaExchange = '', cinderExchange = ''] = bed.topology.exchanges;
    const running = await bed.startBridge();
    await Promise.all([
      bed.rabbit.publishConfirmed(novaExchange, bed.topology.routingKey, nova),
      bed.rabbit.publishConfirmed(cinderExchange, bed.topology.routingKey, cinder),
    ]);
    const sent = [...nova, ...cinder];

    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
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
    expect(await bed.rabbit.readyCount(bed.topology.queue)).toBe(0);
    expect(running.status().counters).toMatchObject({ forwarded: sent.length, inFlight: 0, failed: 0 });
  });

  it('sends the exchange, routing key, AMQP message id and timestamp as message attributes', async () => {
    await bed.rabbit.declareTopology(bed.topology);
    const [, cinderExchange = ''] = bed.topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await bed.startBridge();
    await bed.rabbit.publishConfirmed(cinderExchange, bed.topology.routingKey, [body], {
      messageId: 'amqp-message-1',
      timestamp: 1_700_000_000,
    });

    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
    await collector.until('the notification arrived', () => collector.messages.length === 1, 10_000);

    expect(collector.messages[0]?.Body).toBe(body);
    expect(collector.messages[0]?.MessageAttributes).toEqual({
      [ATTRIBUTE_NAMES.exchange]: { DataType: 'String', StringValue: cinderExchange },
      [ATTRIBUTE_NAMES.routingKey]: { DataType: 'String', StringValue: bed.topology.routingKey },
      [ATTRIBUTE_NAMES.messageId]: { DataType: 'String', StringValue: 'amqp-message-1' },
      [ATTRIBUTE_NAMES.timestamp]: { DataType: 'Number', StringValue: '1700000000' },
    });
  });

  it('declares the exchanges and the queue itself, so notifications published after it started reach SQS', async () => {
    await bed.startBridge();
    const [novaExchange = ''] = bed.topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await bed.rabbit.publishConfirmed(novaExchange, bed.topology.routingKey, [body]);

    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
    await collector.until('the notification arrived', () => collector.messages.length === 1, 10_000);

    expect(collector.bodies()).toEqual([body]);
  });

  it('moves a notification larger than SQS accepts to the dead-letter queue with the reason, and forwards the rest', async () => {
    await bed.rabbit.declareTopology(bed.topology);
    const [novaExchange = ''] = bed.topology.exchanges;
    const small = rabbitBody(instanceCreated());
    const large = rabbitBody(instanceCreated({ payload: { padding: 'x'.repeat(300_000) } }));
    const running = await bed.startBridge();
    await bed.rabbit.publishConfirmed(novaExchange, bed.topology.routingKey, [small, large]);

    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
    await collector.until('the small notification arrived', () => collector.messages.length === 1, 10_000);
    await waitUntil(
      'the large one is dead-lettered',
      () => running.status().counters.deadLettered === 1,
      10_000,
    );
    const deadLetters = await bed.rabbit.takeAll(bed.topology.deadLetterQueue);

    expect(collector.bodies()).toEqual([small]);
    expect(deadLetters.map((letter) => letter.body)).toEqual([large]);
    expect(deadLetters[0]?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/SQS accepts at most 262144/);
    expect(deadLetters[0]?.headers[DEAD_LETTER_HEADERS.exchange]).toBe(novaExchange);
  });

  it('sends again the entries SQS reports as failed and acknowledges them only once accepted', async () => {
    await bed.rabbit.declareTopology(bed.topology);
    const proxy = await startSqsFaultProxy(bed.sqs.endpoint);
    bed.afterThisTest(() => proxy.close());
    proxy.setMode('fail-first-entry');
    const { nova } = notificationBodies(100);
    const [novaExchange = ''] = bed.topology.exchanges;
    await bed.rabbit.publishConfirmed(novaExchange, bed.topology.routingKey, nova);
    const running = await bed.startBridge(
      { BRIDGE_SEND_ATTEMPTS: '20' },
      createSqsClient({ endpoint: proxy.endpoint }),
    );

    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
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
    expect(await bed.rabbit.readyCount(bed.topology.queue)).toBe(0);
  });
});
