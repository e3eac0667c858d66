import { describe, expect, it } from 'vitest';
import type { BridgeStatus } from '#bridge/bridge';
import { missing, SqsCollector, testBridgeEnvironment } from '#test/helpers/bridge-harness';
import { useBridgeTestbed } from '#test/helpers/bridge-testbed';
import { ServiceProcess } from '#test/helpers/service-process';
import { startSqsFaultProxy } from '#test/helpers/sqs-fault-proxy';
import { queueDepth } from '#test/helpers/sqs-queue';
import { waitUntil } from '#test/helpers/wait';

// Long enough for in-flight batches to reach SQS on a loaded two-core machine.
const SHUTDOWN_TIMEOUT_MS = 15_000;
// While SQS is down nothing can be sent: the whole bound is spent waiting, so keep it short there.
const SHUTDOWN_TIMEOUT_WHILE_SQS_DOWN_MS = 4_000;

const bed = useBridgeTestbed('shutdown');

/** The bridge's main in a child process, SQS through `sqsEndpoint`; resolves with its health URL. */
async function startChild({
  sqsEndpoint = bed.sqs.endpoint,
  shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS,
} = {}): Promise<{ bridge: ServiceProcess; healthUrl: string }> {
  const bridge = ServiceProcess.start('bridge', {
    ...testBridgeEnvironment(bed.topology, bed.ingest.queueUrl, {
      BRIDGE_SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      BRIDGE_SEND_ATTEMPTS: '100',
    }),
    SQS_ENDPOINT: sqsEndpoint,
  });
  bed.afterThisTest(() => bridge.kill());
  const started = await bridge.logged('bridge started', 20_000);
  return { bridge, healthUrl: String(started.health) };
}

async function status(healthUrl: string): Promise<BridgeStatus> {
  return (await (await fetch(healthUrl)).json()) as BridgeStatus;
}

describe('the bridge process', { timeout: 120_000 }, () => {
  it('answers GET /health with 200 and its counters once it consumes', async () => {
    const { healthUrl } = await startChild();
    await waitUntil(
      'the bridge consumes',
      async () => (await status(healthUrl)).connection === 'consuming',
      20_000,
    );

    const response = await fetch(healthUrl);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      healthy: true,
      connection: 'consuming',
      sqs: 'ok',
      counters: { forwarded: 0, retried: 0, failed: 0, deadLettered: 0, reconnects: 0, inFlight: 0 },
    });
  });

  it('on SIGTERM mid-stream, exits 0 with every notification either forwarded once and acked, or back in RabbitMQ', async () => {
    const sent = await bed.publish(5_000);
    const { bridge, healthUrl } = await startChild();
    await waitUntil(
      'notifications flow',
      async () => (await status(healthUrl)).counters.forwarded >= 300,
      30_000,
    );

    bridge.signal('SIGTERM');
    const exit = await bridge.exit(SHUTDOWN_TIMEOUT_MS + 5_000);
    const stopped = await bridge.logged('stopped', 1_000);
    const collector = new SqsCollector(bed.sqs.client, bed.ingest.queueUrl);
    await collector.drain();
    const left = (await bed.rabbit.takeAll(bed.topology.queue)).map((message) => message.body);
    const inSqs = collector.distinctBodies();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopped).toMatchObject({ inFlight: 0, forwarded: collector.messages.length });
    expect(inSqs.size).toBe(collector.messages.length);
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((body) => inSqs.has(body)).length, 'forwarded yet back in RabbitMQ').toBe(0);
    expect(missing(sent, new Set([...inSqs, ...left]))).toEqual([]);
  });

  it('on SIGTERM while SQS is down, exits 0 within its shutdown bound and leaves every message in RabbitMQ', async () => {
    const proxy = await startSqsFaultProxy(bed.sqs.endpoint);
    bed.afterThisTest(() => proxy.close());
    proxy.setMode('unavailable');
    const sent = await bed.publish(200);
    const { bridge, healthUrl } = await startChild({
      sqsEndpoint: proxy.endpoint,
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_WHILE_SQS_DOWN_MS,
    });
    await waitUntil(
      'the bridge holds messages it cannot send',
      async () => {
        const current = await status(healthUrl);
        return current.sqs === 'failing' && current.counters.inFlight > 0;
      },
      20_000,
    );

    const signalled = Date.now();
    bridge.signal('SIGTERM');
    const exit = await bridge.exit(SHUTDOWN_TIMEOUT_WHILE_SQS_DOWN_MS + 10_000);
    const elapsed = Date.now() - signalled;
    const left = (await bed.rabbit.takeAll(bed.topology.queue)).map((message) => message.body);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(SHUTDOWN_TIMEOUT_WHILE_SQS_DOWN_MS + 5_000);
    expect(await queueDepth(bed.sqs.client, bed.ingest.queueUrl)).toBe(0);
    expect(new Set(left)).toEqual(new Set(sent));
  });
});
