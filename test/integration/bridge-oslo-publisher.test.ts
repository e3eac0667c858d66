import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '#amqp/topology';
import { Bridge } from '#bridge/bridge';
import { startHealthServer } from '#bridge/health-server';
import { mappingOptionsFrom } from '#config/ingest-settings';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { volumeCreated } from '#dev/simulator/cinder';
import { instanceCreated } from '#dev/simulator/nova';
import { mapNotification } from '#domain/mapping';
import { parseNotification } from '#domain/notification';
import { SqsCollector, testBridgeConfig, testLogger } from '#test/helpers/bridge-harness';
import { useBridgeTestbed } from '#test/helpers/bridge-testbed';
import { publishWithOslo } from '#test/helpers/oslo-notifier';
import { type RabbitNode, startRabbitNode } from '#test/helpers/rabbitmq-node';
import { waitUntil } from '#test/helpers/wait';

/**
 * The publisher Nova and Cinder really use: Debian's python3-oslo.messaging Notifier (messagingv2), which
 * declares the exchange and the queue `<topic>.info` itself. Whoever declares first, the other's
 * declaration must be equivalent, or RabbitMQ refuses it (406) and notifications stop.
 */
const bed = useBridgeTestbed('oslo', { declareTopology: false });
const MAPPING = mappingOptionsFrom(loadConfig(rulesConfigSchema, {}));

/** One instance created through the `nova` exchange and one volume through `cinder`, by oslo.messaging. */
async function notifyBothServices(topology: Topology, url?: string): Promise<string[]> {
  const [nova = '', cinder = ''] = topology.exchanges;
  const instance = instanceCreated({ instanceId: randomUUID() });
  const volume = volumeCreated({ volumeId: randomUUID() });
  await publishWithOslo({ exchange: nova, topology, notifications: [instance], ...(url && { url }) });
  await publishWithOslo({ exchange: cinder, topology, notifications: [volume], ...(url && { url }) });
  return [`instance.created ${instance.payload.instance_id}`, `volume.created ${volume.payload.volume_id}`];
}

/** What the ingest will make of each message the bridge forwarded. */
function ingestedEvents(collector: SqsCollector): string[] {
  return collector.bodies().map((body) => {
    const mapped = mapNotification(parseNotification(body), MAPPING);
    return mapped.type === 'entity' ? `${mapped.event.kind} ${mapped.event.entityId}` : mapped.type;
  });
}

/** Everything forwarded so far, once at least `count` messages arrived in the test's ingest queue. */
async function forwarded(count: number, collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl)) {
  await collector.until('the notifications reached SQS', () => collector.messages.length >= count, 30_000);
  return ingestedEvents(collector);
}

describe("the bridge with oslo.messaging's Notifier", { timeout: 120_000 }, () => {
  it('forwards what Nova and Cinder published before the bridge ever started (oslo declared the queue first)', async () => {
    const expected = await notifyBothServices(bed.topology);
    await bed.startBridge();

    expect(await forwarded(expected.length)).toEqual(expect.arrayContaining(expected));
  });

  it('forwards what Nova and Cinder publish once the bridge declared the queue first', async () => {
    await bed.startBridge();
    const expected = await notifyBothServices(bed.topology);

    expect(await forwarded(expected.length)).toEqual(expect.arrayContaining(expected));
  });

  it('forwards with amqp_durable_queues = True on both sides', async () => {
    const topology = { ...bed.topology, durable: true };
    await bed.startBridge({ BRIDGE_AMQP_DURABLE_QUEUES: 'true' });
    const expected = await notifyBothServices(topology);

    expect(await forwarded(expected.length)).toEqual(expect.arrayContaining(expected));
  });

  it('forwards from a quorum queue with rabbit_quorum_queue = True on both sides', async () => {
    const topology = { ...bed.topology, quorum: true };
    const expected = await notifyBothServices(topology);
    await bed.startBridge({ BRIDGE_RABBIT_QUORUM_QUEUE: 'true' });

    expect(await forwarded(expected.length)).toEqual(expect.arrayContaining(expected));
  });

  it('reports on /health which property of which queue differs, and the setting to change, when oslo declared it otherwise', async () => {
    await publishWithOslo({
      exchange: bed.topology.exchanges[0] ?? '',
      topology: { ...bed.topology, durable: true },
      notifications: [instanceCreated()],
    });
    const bridge = new Bridge({
      config: testBridgeConfig(bed.topology, bed.ingest.queueUrl),
      sqs: bed.sqs.client,
      logger: testLogger,
    });
    bed.afterThisTest(() => bridge.stop(5_000));
    const health = await startHealthServer(() => bridge.status(), { host: '127.0.0.1', port: 0 });
    bed.afterThisTest(() => health.close());
    await bridge.start();
    await waitUntil('the refusal is known', () => bridge.status().topologyMismatch !== undefined, 20_000);

    const response = await fetch(health.url);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      healthy: false,
      topologyMismatch: {
        kind: 'queue',
        name: bed.topology.queue,
        property: 'durable',
        declared: "'false'",
        existing: "'true'",
        setting: 'BRIDGE_AMQP_DURABLE_QUEUES',
      },
    });
  });
});

describe('the bridge and oslo.messaging through a RabbitMQ restart', { timeout: 240_000 }, () => {
  let node: RabbitNode;

  beforeAll(async () => {
    node = await startRabbitNode();
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
  }, 120_000);

  it('declares everything again after a restart dropped the non-durable queue and exchanges, and notifications flow again', async () => {
    const bridge = await bed.startBridge({ RABBITMQ_URL: node.url });
    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
    const before = await notifyBothServices(bed.topology, node.url);
    await forwarded(before.length, collector);

    await node.restart();
    await waitUntil('the bridge consumes again', () => bridge.status().connection === 'consuming', 60_000);
    const after = await notifyBothServices(bed.topology, node.url);

    expect(await forwarded(before.length + after.length, collector)).toEqual(
      expect.arrayContaining([...before, ...after]),
    );
  });

  it('keeps what was queued through a restart when amqp_durable_queues = True on both sides', async () => {
    const topology = { ...bed.topology, durable: true };
    const queued = await notifyBothServices(topology, node.url);

    await node.restart();
    await bed.startBridge({ RABBITMQ_URL: node.url, BRIDGE_AMQP_DURABLE_QUEUES: 'true' });

    expect(await forwarded(queued.length)).toEqual(expect.arrayContaining(queued));
  });
});
