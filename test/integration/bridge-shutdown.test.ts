import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Topology } from '#amqp/topology';
import type { BridgeStatus } from '#bridge/bridge';
import {
  createIngestQueue,
  missing,
  notificationBodies,
  SqsCollector,
  testBridgeEnvironment,
} from '#test/helpers/bridge-harness';
import { BridgeProcess } from '#test/helpers/bridge-process';
import { TestRabbit, uniqueTopology } from '#test/helpers/rabbitmq';
import { type SqsEmulator, startSqsEmulator } from '#test/helpers/sqs-emulator';
import { type SqsFaultProxy, startSqsFaultProxy } from '#test/helpers/sqs-fault-proxy';
import { queueDepth } from '#test/helpers/sqs-queue';
import { waitUntil } from '#test/helpers/wait';

// Long enough for in-flight batches to reach SQS on a loaded two-core machine.
const SHUTDOWN_TIMEOUT_MS = 15_000;
// While SQS is down nothing can be sent: the whole bound is spent waiting, so keep it short there.
const SHUTDOWN_TIMEOUT_WHILE_SQS_DOWN_MS = 4_000;

let sqs: SqsEmulator;
let rabbit: TestRabbit;
let topology: Topology;
let ingest: { queueUrl: string; delete(): Promise<void> };
let child: BridgeProcess | undefined;
let proxy: SqsFaultProxy | undefined;

beforeAll(async () => {
  sqs = await startSqsEmulator();
  rabbit = await TestRabbit.open();
});

afterAll(async () => {
  await rabbit.close();
  await sqs.stop();
});

beforeEach(async () => {
  topology = uniqueTopology('shutdown');
  ingest = await createIngestQueue(sqs.client);
  await rabbit.declareTopology(topology);
});

afterEach(async () => {
  await child?.kill();
  child = undefined;
  await proxy?.close();
  proxy = undefined;
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

/** The bridge's main in a child process, SQS through `sqsEndpoint`; resolves with its health URL. */
async function startChild({
  sqsEndpoint = sqs.endpoint,
  shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS,
} = {}): Promise<{ bridge: BridgeProcess; healthUrl: string }> {
  const bridge = BridgeProcess.start({
    ...testBridgeEnvironment(topology, ingest.queueUrl, {
      BRIDGE_SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      BRIDGE_SEND_ATTEMPTS: '100',
    }),
    SQS_ENDPOINT: sqsEndpoint,
  });
  child = bridge;
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

  it('on SIGTERM mid-stream, exits 0 with nothing lost: every notification is in SQS or back in RabbitMQ', async () => {
    const sent = await publish(5_000);
    const { bridge, healthUrl } = await startChild();
    await waitUntil(
      'notifications flow',
      async () => (await status(healthUrl)).counters.forwarded >= 300,
      30_000,
    );

    bridge.signal('SIGTERM');
    const exit = await bridge.exit(SHUTDOWN_TIMEOUT_MS + 5_000);
    const stopped = await bridge.logged('stopped', 1_000);
    const collector = new SqsCollector(sqs.client, ingest.queueUrl);
    await collector.drain();
    const left = (await rabbit.takeAll(topology.queue)).map((message) => message.body);
    const inSqs = collector.distinctBodies();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopped).toMatchObject({ inFlight: 0 });
    expect(left.length).toBeGreaterThan(0);
    expect(missing(sent, new Set([...inSqs, ...left]))).toEqual([]);
  });

  it('on SIGTERM while SQS is down, exits 0 within its shutdown bound and leaves every message in RabbitMQ', async () => {
    proxy = await startSqsFaultProxy(sqs.endpoint);
    proxy.setMode('unavailable');
    const sent = await publish(200);
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
    const left = (await rabbit.takeAll(topology.queue)).map((message) => message.body);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(SHUTDOWN_TIMEOUT_WHILE_SQS_DOWN_MS + 5_000);
    expect(await queueDepth(sqs.client, ingest.queueUrl)).toBe(0);
    expect(new Set(left)).toEqual(new Set(sent));
  });
});
