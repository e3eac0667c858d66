import { beforeEach, describe, expect, it } from 'vitest';
import type { Bridge } from '#bridge/bridge';
import { type HealthServer, startHealthServer } from '#bridge/health-server';
import { createSqsClient } from '#queue/sqs-client';
import { missing, SqsCollector } from '#test/helpers/bridge-harness';
import { useBridgeTestbed } from '#test/helpers/bridge-testbed';
import { type SqsFaultProxy, startSqsFaultProxy } from '#test/helpers/sqs-fault-proxy';
import { queueDepth } from '#test/helpers/sqs-queue';
import { waitUntil } from '#test/helpers/wait';

const PREFETCH = 50;

const bed = useBridgeTestbed('sqs-faults');
let proxy: SqsFaultProxy;
let bridge: Bridge;
let health: HealthServer;

/** A bridge whose SQS goes through a fault-injecting proxy, already failing: SQS is down from the start. */
beforeEach(async () => {
  const faulty = await startSqsFaultProxy(bed.sqs.endpoint);
  proxy = faulty;
  bed.afterThisTest(() => faulty.close());
  faulty.setMode('unavailable');
  bridge = await bed.startBridge(
    { BRIDGE_PREFETCH: String(PREFETCH), BRIDGE_SEND_ATTEMPTS: '3' },
    createSqsClient({ endpoint: faulty.endpoint }),
  );
  const server = await startHealthServer(() => bridge.status(), { host: '127.0.0.1', port: 0 });
  health = server;
  bed.afterThisTest(() => server.close());
});

describe('the bridge when SQS fails', { timeout: 120_000 }, () => {
  it('leaves the messages in RabbitMQ, holding no more than the prefetch window, while SQS is unavailable', async () => {
    const sent = await bed.publish(1_000);
    await waitUntil('a batch was handed back to RabbitMQ', () => bridge.status().counters.failed > 0, 20_000);

    expect(await queueDepth(bed.sqs.client, bed.ingest.queueUrl)).toBe(0);
    expect(await bed.rabbit.readyCount(bed.topology.queue)).toBeGreaterThanOrEqual(sent.length - PREFETCH);
    expect(bridge.status().counters.forwarded).toBe(0);
    expect(bridge.status().counters.maxInFlight).toBeLessThanOrEqual(PREFETCH);
  });

  it('forwards every message held back once SQS accepts again, never holding more than the prefetch window', async () => {
    const sent = await bed.publish(1_000);
    await waitUntil('a batch was handed back to RabbitMQ', () => bridge.status().counters.failed > 0, 20_000);
    proxy.setMode('pass');

    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
    await collector.until(
      'every notification arrived',
      () => collector.distinctBodies().size >= sent.length,
      60_000,
    );
    await bridge.stop(5_000);

    expect(missing(sent, collector.distinctBodies())).toEqual([]);
    expect(await bed.rabbit.readyCount(bed.topology.queue)).toBe(0);
    expect(bridge.status().counters.maxInFlight).toBeLessThanOrEqual(PREFETCH);
  });

  it('answers 503 on /health while SQS fails and 200 once it accepts again', async () => {
    await bed.publish(20);
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
