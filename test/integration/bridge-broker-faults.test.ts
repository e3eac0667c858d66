import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Topology } from '#amqp/topology';
import { Bridge } from '#bridge/bridge';
import {
  createIngestQueue,
  missing,
  SqsCollector,
  SteadyPublisher,
  testBridgeConfig,
  testLogger,
} from '#test/helpers/bridge-harness';
import { instanceCreated, rabbitBody } from '#test/helpers/notifications';
import { forceCloseConnections, TestRabbit, uniqueTopology } from '#test/helpers/rabbitmq';
import { type SqsEmulator, startSqsEmulator } from '#test/helpers/sqs-emulator';
import { startTcpProxy, type TcpProxy } from '#test/helpers/tcp-proxy';
import { waitUntil } from '#test/helpers/wait';

let sqs: SqsEmulator;
let rabbit: TestRabbit;
let topology: Topology;
let ingest: { queueUrl: string; delete(): Promise<void> };
let bridge: Bridge | undefined;
let proxy: TcpProxy | undefined;
let connectionName: string;

beforeAll(async () => {
  sqs = await startSqsEmulator();
  rabbit = await TestRabbit.open();
});

afterAll(async () => {
  await rabbit.close();
  await sqs.stop();
});

beforeEach(async () => {
  topology = uniqueTopology('broker-faults');
  ingest = await createIngestQueue(sqs.client);
  await rabbit.declareTopology(topology);
});

afterEach(async () => {
  await bridge?.stop(5_000);
  bridge = undefined;
  await proxy?.close();
  proxy = undefined;
  await rabbit.deleteTopology(topology);
  await ingest.delete();
});

async function startBridge(overrides: Record<string, string> = {}): Promise<Bridge> {
  const config = testBridgeConfig(topology, ingest.queueUrl, overrides);
  connectionName = config.BRIDGE_CONNECTION_NAME;
  const started = new Bridge({ config, sqs: sqs.client, logger: testLogger });
  bridge = started;
  await started.start();
  await waitUntil('the bridge consumes', () => started.status().connection === 'consuming', 10_000);
  return started;
}

/** Through a TCP proxy, so the test can reset or refuse the bridge's connection to RabbitMQ. */
async function startBridgeBehindProxy(): Promise<{ bridge: Bridge; proxy: TcpProxy }> {
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 5672 });
  return { bridge: await startBridge({ RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}` }), proxy };
}

async function expectEverythingForwarded(running: Bridge, sent: readonly string[]): Promise<void> {
  const collector = new SqsCollector(sqs.client, ingest.queueUrl);
  await collector.until(
    'every confirmed notification arrived',
    () => collector.distinctBodies().size >= sent.length,
    60_000,
  );
  await running.stop(5_000);
  expect(missing(sent, collector.distinctBodies())).toEqual([]);
  expect(await rabbit.readyCount(topology.queue)).toBe(0);
}

describe('the bridge when RabbitMQ fails', { timeout: 120_000 }, () => {
  it('reconnects after RabbitMQ force-closes its connection mid-stream and every confirmed notification still arrives', async () => {
    const running = await startBridge();
    const publisher = new SteadyPublisher(rabbit, topology);
    await waitUntil('notifications flow', () => running.status().counters.forwarded >= 200, 20_000);

    expect(await forceCloseConnections(connectionName)).toBe(1);
    await waitUntil('the bridge reconnected', () => running.status().counters.reconnects >= 1, 20_000);
    const sent = await publisher.stopAfter(500);

    await expectEverythingForwarded(running, sent);
  });

  it('survives its connection being reset (ECONNRESET) mid-stream and every confirmed notification still arrives', async () => {
    const { bridge: running, proxy: tcp } = await startBridgeBehindProxy();
    const publisher = new SteadyPublisher(rabbit, topology);
    await waitUntil('notifications flow', () => running.status().counters.forwarded >= 200, 20_000);

    tcp.resetAll();
    await waitUntil('the bridge reconnected', () => running.status().counters.reconnects >= 1, 20_000);
    const sent = await publisher.stopAfter(500);

    await expectEverythingForwarded(running, sent);
  });

  it('keeps retrying with backoff while RabbitMQ is unreachable, reporting unhealthy, and resumes when it is back', async () => {
    const { bridge: running, proxy: tcp } = await startBridgeBehindProxy();
    tcp.refuse(true);
    tcp.resetAll();
    await waitUntil('the bridge noticed', () => running.status().connection === 'reconnecting', 10_000);
    const [novaExchange = ''] = topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await rabbit.publishConfirmed(novaExchange, topology.routingKey, [body]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(running.status()).toMatchObject({ healthy: false, connection: 'reconnecting' });
    tcp.refuse(false);
    await waitUntil('the bridge consumes again', () => running.status().connection === 'consuming', 10_000);
    await expectEverythingForwarded(running, [body]);
  });

  it('declares its exchanges again when it reconnects, so exchanges lost while it was away come back', async () => {
    const { bridge: running, proxy: tcp } = await startBridgeBehindProxy();
    tcp.refuse(true);
    tcp.resetAll();
    await waitUntil('the bridge noticed', () => running.status().connection === 'reconnecting', 10_000);
    // A RabbitMQ restart loses the non-durable exchanges oslo.messaging declares, and their bindings.
    for (const exchange of topology.exchanges) await rabbit.deleteExchange(exchange);

    tcp.refuse(false);
    await waitUntil('the bridge consumes again', () => running.status().connection === 'consuming', 10_000);
    const [, cinderExchange = ''] = topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await rabbit.publishConfirmed(cinderExchange, topology.routingKey, [body]);

    await expectEverythingForwarded(running, [body]);
  });
});
