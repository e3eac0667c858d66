import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Topology } from '#amqp/topology';
import { Bridge } from '#bridge/bridge';
import {
  createIngestQueue,
  type IngestQueue,
  notificationBodies,
  testBridgeConfig,
  testLogger,
} from './bridge-harness.ts';
import { TestRabbit, uniqueTopology } from './rabbitmq.ts';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator.ts';
import { waitUntil } from './wait.ts';

export interface BridgeTestbed {
  readonly sqs: SqsEmulator;
  readonly rabbit: TestRabbit;
  /** A topology of the current test's own (unique names), declared unless the testbed was told not to. */
  readonly topology: Topology;
  /** The current test's own ingest queue, deleted after it. */
  readonly ingest: IngestQueue;
  /** Runs after the current test, before its topology and queue are deleted; the last registered first. */
  afterThisTest(task: () => Promise<unknown>): void;
  /** Publishes `count` distinct notifications with confirms, half to each exchange; returns their bodies. */
  publish(count: number): Promise<string[]>;
  /** An in-process bridge on the current test's topology, consuming when it resolves; stopped after the test. */
  startBridge(overrides?: Record<string, string>, client?: SQSClient): Promise<Bridge>;
}

/**
 * The hooks every bridge suite needs: one SQS emulator and RabbitMQ connection per file, and per test a
 * fresh topology and ingest queue, torn down with whatever the test started.
 */
export function useBridgeTestbed(prefix: string, options: { declareTopology?: boolean } = {}): BridgeTestbed {
  let sqs: SqsEmulator | undefined;
  let rabbit: TestRabbit | undefined;
  let topology: Topology | undefined;
  let ingest: IngestQueue | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  const defined = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the bridge testbed has no ${what} outside a test`);
    return value;
  };

  beforeAll(async () => {
    sqs = await startSqsEmulator();
    rabbit = await TestRabbit.open();
  });
  afterAll(async () => {
    await rabbit?.close();
    await sqs?.stop();
  });
  beforeEach(async () => {
    topology = uniqueTopology(prefix);
    ingest = await createIngestQueue(defined(sqs, 'SQS').client);
    if (options.declareTopology ?? true) await defined(rabbit, 'RabbitMQ').declareTopology(topology);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    if (topology) await rabbit?.deleteTopology(topology);
    await ingest?.delete();
  });

  const testbed: BridgeTestbed = {
    get sqs() {
      return defined(sqs, 'SQS');
    },
    get rabbit() {
      return defined(rabbit, 'RabbitMQ');
    },
    get topology() {
      return defined(topology, 'topology');
    },
    get ingest() {
      return defined(ingest, 'ingest queue');
    },
    afterThisTest: (task) => {
      cleanups.push(task);
    },
    publish: async (count) => {
      const { nova, cinder } = notificationBodies(count);
      const [novaExchange = '', cinderExchange = ''] = testbed.topology.exchanges;
      await testbed.rabbit.publishConfirmed(novaExchange, testbed.topology.routingKey, nova);
      await testbed.rabbit.publishConfirmed(cinderExchange, testbed.topology.routingKey, cinder);
      return [...nova, ...cinder];
    },
    startBridge: async (overrides = {}, client = testbed.sqs.client) => {
      const bridge = new Bridge({
        config: testBridgeConfig(testbed.topology, testbed.ingest.queueUrl, overrides),
        sqs: client,
        logger: testLogger,
      });
      testbed.afterThisTest(() => bridge.stop(5_000));
      await bridge.start();
      await waitUntil('the bridge consumes', () => bridge.status().connection === 'consuming', 10_000);
      return bridge;
    },
  };
  return testbed;
}
