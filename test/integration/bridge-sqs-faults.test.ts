import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Topology } from '#amqp/topology';
import { Bridge } from '#bridge/bridge';
import { type HealthServer, startHealthServer } from '#bridge/health-server';
import { createSqsClient } from '#queue/sqs-client';
import {
  createIngestQueue,
  missing,
  notificationBodies,
  SqsCollector,
  testBridgeConfig,
  testLogger,
} from '#test/helpers/bridge-harness';
import { TestRabbit, uniqueTopology } from '#test/helpers/rabbitmq';
import { type SqsEmulator, startSqsEmulator } from '#test/helpers/sqs-emulator';
import { type SqsFaultProxy, startSqsFaultProxy } from '#test/helpers/sqs-fault-proxy';
import { queueDepth } from '#test/helpers/sqs-queue';
import { waitUntil } from '#test/helpers/wait';

const PREFETCH = 50;

let sqs: SqsEmulator;
let rabbit: TestRabbit;
let topology: Topology;
let ingest: { queueUrl: string; delete(): Promise<void> };
let proxy: SqsFaultProxy;
let bridge: Bridge;
let health: HealthServer;

beforeAll(async () => {
  sqs = await startSqsEmulator();
  rabbit = await TestRabbit.open();
});

afterAll(async () => {
  await rabbit.close();
  await sqs.stop();
});

/** A bridge whose SQS goes through a fault-injecting proxy, already failing: SQS is down from the start. */
beforeEach(async () => {
  topology = uniqueTopology('sqs-faults');
  ingest = await createIngestQueue(sqs.client);
  await rabbit.declareTopology(topology);
  proxy = await startSqsFaultProxy(sqs.endpoint);
  proxy.setMode('unavailable');
  const config = testBridgeConfig(topology, ingest.queueUrl, {
    BRIDGE_PREFETCH: String(PREFETCH),
    BRIDGE_SEND_ATTEMPTS: '3',
  });
  bridge = new Bridge({ config, sqs: createSqsClient({ endpoint: proxy.endpoint }), logger: testLogger });
  health = await startHealthServer(() => bridge.status(), { host: '127.0.0.1', port: 0 });
  await bridge.start();
  await waitUntil('the bridge consumes', () => bridge.status().connection === 'consuming', 10_000);
});

afterEach(async () => {
  await bridge.stop(5_000);
  await health.close();
  await proxy.close();
  await rabbit.deleteTopology(topology);
  await ingest.delete();
});

async function publish(count: number): Promise<string[]> {
  const { nova, cinder } = notificationBodies(count);
  const [novaExchange = '', cinderExchange = ''] = topology.exchanges;
  await rabbit.publishConfirmed(novaExchange, topology.routingKey, nova);
  await rabbit.publishConfirmed(cinderExchange, topology.routingKey, cinder);
  return [...nova, ...cinder];
}

describe('the bridge when SQS fails', { timeout: 120_000 }, () => {
  it('leaves the messages in RabbitMQ, holding no more than the prefetch window, while SQS is unavailable', async () => {
    const sent = await publish(1_000);
    await waitUntil('a batch was handed back to RabbitMQ', () => bridge.status().counters.failed > 0, 20_000);

    expect(await queueDepth(sqs.client, ingest.queueUrl)).toBe(0);
    expect(await rabbit.readyCount(topology.queue)).toBeGreaterThanOrEqual(sent.length - PREFETCH);
    expect(bridge.status().counters.forwarded).toBe(0);
    expect(bridge.status().counters.maxInFlight).toBeLessThanOrEqual(PREFETCH);
  });

  it('forwards every message held back once SQS accepts again, never holding more than the prefetch window', async () => {
    const sent = await publish(1_000);
    await waitUntil('a batch was handed back to RabbitMQ', () => bridge.status().counters.failed > 0, 20_000);
    proxy.setMode('pass');

    const collector = new SqsCollector(sqs.client, ingest.queueUrl);
    await collector.until(
      'every notification arrived',
      () => collector.distinctBodies().size >= sent.length,
      60_000,
    );
    await bridge.stop(5_000);

    expect(missing(sent, collector.distinctBodies())).toEqual([]);
    expect(await rabbit.readyCount(topology.queue)).toBe(0);
    expect(bridge.status().counters.maxInFlight).toBeLessThanOrEqual(PREFETCH);
  });

  it('answers 503 on /health while SQS fails and 200 once it accepts again', async () => {
    await publish(20);
    await waitUntil('SQS is seen failing', () => bridge.status().sqs === 'failing', 20_000);
    const failing = await fetch(health.url);
    const failingBody = (await failing.json()) as { sqs: string; connection: string };

    proxy.setMode('pass');
    await waitUntil('SQS is seen healthy', () => bridge.status().sqs === 'ok', 20_000);
    const recovered = await fetch(health.url);

    expect(failing.status).toBe(503);
    expect(failingBody).toMatchObject({ healthy: false, sqs: 'failing', connection: 'consuming' });
    expect(recovered.status).toBe(200);
    expect(await recovered.json()).toMatchObject({ healthy: true, sqs: 'ok', connection: 'consuming' });
  });
});
