import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Topology } from '#amqp/topology';
import { type BridgeConfig, bridgeConfigSchema } from '#config/bridge-schema';
import { loadConfig } from '#config/schema';
import { volumeCreated } from '#dev/simulator/cinder';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { RABBITMQ_URL, type TestRabbit, topologyEnvironment } from './rabbitmq.ts';

/** Silent unless TEST_LOG_LEVEL asks (e.g. TEST_LOG_LEVEL=DEBUG to watch the bridge in a failing test). */
export const testLogger = new Logger({
  serviceName: 'almanach',
  logLevel: (process.env.TEST_LOG_LEVEL ?? 'SILENT') as 'SILENT',
});

/** Settings for a bridge on `topology`, with short delays so faults resolve within a test. */
export function testBridgeEnvironment(
  topology: Topology,
  queueUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    RABBITMQ_URL,
    ...topologyEnvironment(topology),
    INGEST_QUEUE_URL: queueUrl,
    BRIDGE_CONNECTION_NAME: `almanach-bridge-test-${randomBytes(4).toString('hex')}`,
    BRIDGE_HEALTH_PORT: '0',
    BRIDGE_METRICS_INTERVAL_MS: '0',
    BRIDGE_LINGER_MS: '20',
    BRIDGE_RETRY_BASE_MS: '50',
    BRIDGE_RETRY_MAX_MS: '400',
    BRIDGE_RECONNECT_MIN_MS: '100',
    BRIDGE_RECONNECT_MAX_MS: '1000',
    ...overrides,
  };
}

export function testBridgeConfig(
  topology: Topology,
  queueUrl: string,
  overrides: Record<string, string> = {},
): BridgeConfig {
  return loadConfig(bridgeConfigSchema, testBridgeEnvironment(topology, queueUrl, overrides));
}

export interface IngestQueue {
  queueUrl: string;
  delete(): Promise<void>;
}

/** A fresh ingest queue on the emulator, for one test. */
export async function createIngestQueue(client: SQSClient): Promise<IngestQueue> {
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({ QueueName: `bridge-${randomBytes(6).toString('hex')}` }),
  );
  if (!QueueUrl) throw new Error('SQS returned no QueueUrl');
  return {
    queueUrl: QueueUrl,
    delete: async () => {
      await client.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
    },
  };
}

/** Distinct Nova and Cinder notifications as they travel on RabbitMQ, half to each exchange. */
export function notificationBodies(count: number): { nova: string[]; cinder: string[] } {
  const nova: string[] = [];
  const cinder: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) nova.push(rabbitBody(instanceCreated({ messageId: randomUUID() })));
    else cinder.push(rabbitBody(volumeCreated({ messageId: randomUUID() })));
  }
  return { nova, cinder };
}

/**
 * Everything SQS delivers from the ingest queue, duplicates included. Messages stay in flight for ten
 * minutes, so each arrival is seen once per copy sent.
 */
export class SqsCollector {
  readonly messages: Message[] = [];

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  bodies(): string[] {
    return this.messages.map((message) => message.Body ?? '');
  }

  distinctBodies(): Set<string> {
    return new Set(this.bodies());
  }

  /** Receives until `condition` holds; fails naming `what` after `timeoutMs`. */
  async until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const receiver = async () => {
      while (!condition() && Date.now() < deadline) await this.receiveOnce(1);
    };
    await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    if (!condition()) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${what} (${this.messages.length} received, ${this.distinctBodies().size} distinct)`,
      );
    }
  }

  /** Receives until the queue answers empty: what is left after the bridge stopped. */
  async drain(): Promise<void> {
    while ((await this.receiveOnce(0)) > 0);
  }

  private async receiveOnce(waitTimeSeconds: number): Promise<number> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
        VisibilityTimeout: 600,
        MessageAttributeNames: ['All'],
      }),
    );
    this.messages.push(...Messages);
    return Messages.length;
  }
}

/** Sent bodies SQS never delivered: empty when nothing was lost. */
export function missing(sent: Iterable<string>, received: Set<string>): string[] {
  return [...sent].filter((body) => !received.has(body));
}

/**
 * Publishes confirmed notifications in small chunks, to both exchanges, until stopped: traffic that keeps
 * flowing while a test breaks something. `sent` holds only what RabbitMQ confirmed.
 */
export class SteadyPublisher {
  readonly sent: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly rabbit: TestRabbit,
    private readonly topology: Topology,
    private readonly options: { chunk: number; pauseMs: number } = { chunk: 50, pauseMs: 10 },
  ) {
    this.loop = this.publish();
  }

  /** Stops once `extra` more notifications were confirmed; resolves with everything sent. */
  async stopAfter(extra: number): Promise<string[]> {
    const target = this.sent.length + extra;
    while (this.sent.length < target) await sleep(20);
    this.running = false;
    await this.loop;
    return this.sent;
  }

  private async publish(): Promise<void> {
    const [novaExchange = '', cinderExchange = ''] = this.topology.exchanges;
    while (this.running) {
      const { nova, cinder } = notificationBodies(this.options.chunk);
      await Promise.all([
        this.rabbit.publishConfirmed(novaExchange, this.topology.routingKey, nova),
        this.rabbit.publishConfirmed(cinderExchange, this.topology.routingKey, cinder),
      ]);
      this.sent.push(...nova, ...cinder);
      await sleep(this.options.pauseMs);
    }
  }
}
