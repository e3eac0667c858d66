import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Topology } from '#amqp/topology';
import { apiConfigSchema } from '#config/api-schema';
import { loadConfig, storeConfigSchema } from '#config/schema';
import { type FerretdbServer, startFerretdb, testFerretdbOptions } from '#dev/ferretdb/server';
import { healthyWithin } from '#dev/local/bridge-process';
import type { ExpectedUsage } from '#dev/simulator/truth';
import { verifyUsage } from '#dev/simulator/verify';
import { type ApiServer, startApiServer } from '#http/local-server';
import type { BackoffPolicy } from '#ingest/redelivery';
import { collectionsOf } from '#store/collections';
import { openStore, type Store } from '#store/mongo-client';
import { uniqueDatabaseName } from './mongo-server.ts';
import { RABBITMQ_URL, TestRabbit, topologyEnvironment, uniqueTopology } from './rabbitmq.ts';
import { ServiceProcess } from './service-process.ts';
import { createQueuePair, type QueuePair, type SqsEmulator, startSqsEmulator } from './sqs-emulator.ts';
import { type SqsFaultProxy, startSqsFaultProxy } from './sqs-fault-proxy.ts';
import { StreamPublisher } from './stream-publisher.ts';

export interface WholeStackOptions {
  /** Ingest worker processes polling the queue. */
  workers?: number;
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** The ingest's retry delays during a store outage, in scaled-down time (default: 1 s doubling to 4 s). */
  retry?: BackoffPolicy;
}

/** What a run should leave in the ledger. */
export interface Expectation {
  /** Notifications the ingest records (entity and volume-type events), by message_id. */
  recorded: ReadonlySet<string>;
  /** Those published before the fault ended: stored again means recovered. Default: all of them. */
  backlog?: ReadonlySet<string>;
  usage: readonly ExpectedUsage[];
  period: { start: Date; end: Date };
}

/** The exact accounting of a run. */
export interface Ledger {
  expected: number;
  /** Distinct expected notifications found in `events`. */
  stored: number;
  /** Expected notifications missing from `events`. */
  lost: string[];
  /** Events stored that nobody expected. */
  unexpected: string[];
  /** Deliveries the ingest recognised as already recorded (logged `notification duplicate`). */
  duplicatesAbsorbed: number;
  /** Deliveries the ingest could not store and left to be delivered again (logged `notification not stored`). */
  retried: number;
  /** Projects whose usage through the API differs from the simulator's truth, with the differences. */
  usageMismatches: { projectId: string; differences: string[] }[];
  deadLettered: number;
  /** From `since` until the backlog was stored, in seconds. */
  secondsToRecover: number;
  /** From `since` until every expected notification was stored, in seconds. */
  secondsToComplete: number;
}

const SERVICE_READY_MS = 60_000;

/**
 * The whole system as separate processes, as it runs for real: a FerretDB of its own (to kill), the SQS
 * emulator behind a fault-injecting proxy, the bridge and the ingest workers as child processes on the
 * machine's RabbitMQ under a topology of their own, and the API over the same database. Every part can be
 * killed and started again; stop() leaves nothing behind.
 */
export class WholeStack {
  readonly processes: ServiceProcess[] = [];
  bridge: ServiceProcess | undefined;
  workers: ServiceProcess[] = [];
  readonly bridgeConnectionName = `almanach-bridge-${randomBytes(3).toString('hex')}`;
  readonly publisher: StreamPublisher;

  private constructor(
    readonly ferretdb: FerretdbServer,
    readonly sqs: SqsEmulator,
    readonly proxy: SqsFaultProxy,
    readonly queues: QueuePair,
    readonly topology: Topology,
    private readonly database: string,
    private readonly store: Store,
    private readonly api: ApiServer,
    private readonly retry: BackoffPolicy,
  ) {
    this.publisher = new StreamPublisher({
      connectionName: `almanach-notifier-${randomBytes(3).toString('hex')}`,
      topology,
    });
  }

  static async start(name: string, options: WholeStackOptions = {}): Promise<WholeStack> {
    const ferretdb = await startFerretdb(await testFerretdbOptions());
    const sqs = await startSqsEmulator();
    const proxy = await startSqsFaultProxy(sqs.endpoint);
    const queues = await createQueuePair(sqs.client, {
      name: `${name}-${randomBytes(3).toString('hex')}`,
      maxReceiveCount: options.maxReceiveCount ?? 10,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 5,
    });
    // As production runs it (amqp_durable_queues = True on Nova, Cinder and the bridge): a broker restart
    // keeps what the queue holds. Non-durable queues lose it by design, which no fault run could absorb.
    const topology = uniqueTopology(name, { durable: true });
    const rabbit = await TestRabbit.open();
    await rabbit.declareTopology(topology);
    await rabbit.close();
    const database = uniqueDatabaseName(name);
    const store = await openStore(
      loadConfig(storeConfigSchema, {
        MONGODB_URI: ferretdb.uri,
        MONGODB_DATABASE: database,
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: '2000',
      }),
    );
    const api = await startApiServer({
      store,
      config: loadConfig(apiConfigSchema, { MONGODB_URI: ferretdb.uri, PORT: '0', API_HOST: '127.0.0.1' }),
      logger: new Logger({ serviceName: 'almanach-api', logLevel: 'SILENT' }),
    });
    const retry = options.retry ?? { baseSeconds: 1, maxSeconds: 4 };
    const stack = new WholeStack(ferretdb, sqs, proxy, queues, topology, database, store, api, retry);
    await stack.startBridge();
    for (let n = 0; n < (options.workers ?? 1); n++) await stack.startWorker();
    return stack;
  }

  get apiUrl(): string {
    return this.api.url;
  }

  /** The environment every process of the stack shares. */
  private environment(): Record<string, string> {
    return {
      MONGODB_URI: this.ferretdb.uri,
      MONGODB_DATABASE: this.database,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '2000',
      SQS_ENDPOINT: this.proxy.endpoint,
      INGEST_QUEUE_URL: this.queues.queueUrl,
      DEAD_LETTER_QUEUE_URL: this.queues.dlqUrl,
      INGEST_RETRY_BASE_SECONDS: String(this.retry.baseSeconds),
      INGEST_RETRY_MAX_SECONDS: String(this.retry.maxSeconds),
      RABBITMQ_URL,
      ...topologyEnvironment(this.topology),
      BRIDGE_CONNECTION_NAME: this.bridgeConnectionName,
      BRIDGE_HEALTH_PORT: '0',
      BRIDGE_RECONNECT_MAX_MS: '2000',
      BRIDGE_RETRY_MAX_MS: '1000',
      INGEST_WORKERS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  async startBridge(): Promise<ServiceProcess> {
    const bridge = ServiceProcess.start('bridge', this.environment());
    this.processes.push(bridge);
    this.bridge = bridge;
    const started = await bridge.logged('bridge started', SERVICE_READY_MS);
    const consuming = await healthyWithin(String(started.health), SERVICE_READY_MS, () => bridge.running);
    if (!consuming) throw new Error(`the bridge is not consuming: ${bridge.stderr.join('').slice(-500)}`);
    return bridge;
  }

  async startWorker(): Promise<ServiceProcess> {
    const worker = ServiceProcess.start('ingestWorker', this.environment());
    this.processes.push(worker);
    this.workers.push(worker);
    await worker.logged('ingest worker started', SERVICE_READY_MS);
    return worker;
  }

  /** SIGKILL: no flush, no acknowledgement, no goodbye. */
  async killBridge(): Promise<void> {
    await this.bridge?.kill();
  }

  async killWorker(index = 0): Promise<void> {
    const worker = this.workers[index];
    if (!worker) throw new Error(`no ingest worker ${index}`);
    await worker.kill();
    this.workers.splice(index, 1);
  }

  /** Logged lines with this message, across every process started (killed ones included). */
  logCount(message: string): number {
    return this.processes.reduce((total, process) => total + process.count(message), 0);
  }

  /** The broker password and the MongoDB URI, wherever they appear in the output of any process. */
  leakedSecrets(): string[] {
    const password = new URL(RABBITMQ_URL).password;
    const secrets = [...(password ? [`:${password}@`] : []), this.ferretdb.uri];
    const output = this.processes
      .flatMap((process) => [...process.logs.map((line) => JSON.stringify(line)), ...process.stderr])
      .join('\n');
    return secrets.filter((secret) => output.includes(secret));
  }

  async deadLettered(): Promise<number> {
    const { Attributes } = await this.sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queues.dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /**
   * Waits (at most `timeoutMs`) until every expected notification is in `events`, then accounts for the
   * run: what was stored, lost, absorbed as a duplicate, and whether the API's usage equals the truth.
   */
  async settle(expectation: Expectation, since: number, timeoutMs: number): Promise<Ledger> {
    const stored = new Set<string>();
    const backlog = expectation.backlog ?? expectation.recorded;
    const deadline = Date.now() + timeoutMs;
    let recoveredAt: number | undefined;
    let completedAt: number | undefined;
    while (Date.now() < deadline) {
      for (const id of await this.storedEventIds().catch(() => [])) stored.add(id);
      const now = Date.now();
      if (recoveredAt === undefined && [...backlog].every((id) => stored.has(id))) recoveredAt = now;
      if ([...expectation.recorded].every((id) => stored.has(id))) {
        completedAt = now;
        break;
      }
      await sleep(250);
    }
    const verification = await verifyUsage(
      { url: this.apiUrl, token: 'secret' },
      expectation.usage,
      expectation.period,
      {
        timeoutMs: completedAt ? 20_000 : 0,
        intervalMs: 1_000,
      },
    );
    return {
      expected: expectation.recorded.size,
      stored: [...expectation.recorded].filter((id) => stored.has(id)).length,
      lost: [...expectation.recorded].filter((id) => !stored.has(id)),
      unexpected: [...stored].filter((id) => !expectation.recorded.has(id)),
      duplicatesAbsorbed: this.logCount('notification duplicate'),
      retried: this.logCount('notification not stored: it will be retried'),
      usageMismatches: verification.mismatched,
      deadLettered: await this.deadLettered(),
      secondsToRecover: secondsSince(since, recoveredAt),
      secondsToComplete: secondsSince(since, completedAt),
    };
  }

  private async storedEventIds(): Promise<string[]> {
    const documents = await collectionsOf(this.store.client.db(this.database))
      .events.find({}, { projection: { _id: 1 } })
      .toArray();
    return documents.map((document) => document._id);
  }

  /** Stops every part (the processes by SIGKILL: nothing of theirs is checked any more). */
  async stop(): Promise<void> {
    await this.publisher.close();
    for (const process of this.processes) await process.kill();
    await this.api.close().catch(() => undefined);
    await this.store.client.close(true).catch(() => undefined);
    await this.proxy.close();
    await this.sqs.stop();
    const rabbit = await TestRabbit.open();
    await rabbit.deleteTopology(this.topology).catch(() => undefined);
    await rabbit.close();
    await this.ferretdb.stop();
  }
}

function secondsSince(since: number, at: number | undefined): number {
  return at === undefined ? Number.NaN : Math.round((at - since) / 100) / 10;
}
