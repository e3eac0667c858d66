import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Bridge } from '#bridge/bridge';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { missing, SqsCollector, SteadyPublisher } from '#test/helpers/bridge-harness';
import { useBridgeTestbed } from '#test/helpers/bridge-testbed';
import { forceCloseConnections } from '#test/helpers/rabbitmq';
import { startTcpProxy, type TcpProxy } from '#test/helpers/tcp-proxy';
import { waitUntil } from '#test/helpers/wait';

const bed = useBridgeTestbed('broker-faults');

/** Through a TCP proxy, so the test can reset or refuse the bridge's connection to RabbitMQ. */
async function startBridgeBehindProxy(): Promise<{ bridge: Bridge; proxy: TcpProxy }> {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5672 });
  bed.afterThisTest(() => proxy.close());
  const bridge = await bed.startBridge({ RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}` });
  return { bridge, proxy };
}

async function expectEverythingForwarded(running: Bridge, sent: readonly string[]): Promise<void> {
  const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
  await collector.until(
    'every confirmed notification arrived',
    () => collector.distinctBodies().size >= sent.length,
    60_000,
  );
  await running.stop(5_000);
  expect(missing(sent, collector.distinctBodies())).toEqual([]);
  expect(await bed.rabbit.readyCount(bed.topology.queue)).toBe(0);
}

describe('the bridge when RabbitMQ fails', { timeout: 120_000 }, () => {
  it('reconnects after RabbitMQ force-closes its connection mid-stream and every confirmed notification still arrives', async () => {
    const connectionName = `almanach-bridge-test-${randomUUID()}`;
    const running = await bed.startBridge({ BRIDGE_CONNECTION_NAME: connectionName });
    const publisher = new SteadyPublisher(bed.rabbit, bed.topology);
    await waitUntil('notifications flow', () => running.status().counters.forwarded >= 200, 20_000);

    expect(await forceCloseConnections(connectionName)).toBe(1);
    await waitUntil('the bridge reconnected', () => running.status().counters.reconnects >= 1, 20_000);
    const sent = await publisher.stopAfter(500);

    await expectEverythingForwarded(running, sent);
  });

  it('survives its connection being reset (ECONNRESET) mid-stream and every confirmed notification still arrives', async () => {
    const { bridge: running, proxy: tcp } = await startBridgeBehindProxy();
    const publisher = new SteadyPublisher(bed.rabbit, bed.topology);
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
    const [novaExchange = ''] = bed.topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await bed.rabbit.publishConfirmed(novaExchange, bed.topology.routingKey, [body]);
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
    for (const exchange of bed.topology.exchanges) await bed.rabbit.deleteExchange(exchange);

    tcp.refuse(false);
    await waitUntil('the bridge consumes again', () => running.status().connection === 'consuming', 10_000);
    const [, cinderExchange = ''] = bed.topology.exchanges;
    const body = rabbitBody(instanceCreated());
    await bed.rabbit.publishConfirmed(cinderExchange, bed.topology.routingKey, [body]);

    await expectEverythingForwarded(running, [body]);
  });
});
