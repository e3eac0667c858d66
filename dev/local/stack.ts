import { resolve } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { backoffFrom } from '#config/ingest-queue-schema';
import { type LocalStackConfig, localStackConfigSchema } from '#config/local-schema';
import { ingestConfigSchema, loadConfig } from '#config/schema';
import { startFerretdb } from '#dev/ferretdb/server';
import { ingestContextFor } from '#ingest/compose';
import { DEFAULT_OUTAGE_TOLERANCE_SECONDS, maxReceiveCountFor } from '#ingest/redelivery';
import { CountingSink } from '#observability/ingest-metrics';
import { createSqsClient } from '#queue/sqs-client';
import { openStore, type Store } from '#store/mongo-client';
import { localIngestHandler, startIngestWorkers } from './ingest-workers.ts';
import { createQueuePair, startSqsEmulator } from './sqs-emulator.ts';

export interface LocalStack {
  config: LocalStackConfig;
  mongoUri: string;
  embeddedMongo: boolean;
  sqsEndpoint: string;
  embeddedSqs: boolean;
  sqs: SQSClient;
  queueUrl: string;
  dlqUrl: string | undefined;
  store: Store;
  ingestMetrics: CountingSink;
  /** Stops every part, the last started first; safe to call more than once. */
  stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/**
 * The whole ingest side on one machine: MongoDB (embedded FerretDB unless MONGODB_URI), SQS (embedded
 * emulator unless SQS_ENDPOINT) with the ingest queue and its dead-letter queue, and ingest workers running
 * the Lambda's own handler. Each part is stopped if a later one fails to start.
 */
export async function startLocalStack(env: Env, logger: Logger): Promise<LocalStack> {
  const config = loadConfig(localStackConfigSchema, env);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopPart of stops.splice(0).reverse()) await stopPart().catch(() => undefined);
  };
  try {
    const mongo = config.MONGODB_URI
      ? { uri: config.MONGODB_URI, embedded: false }
      : await startEmbeddedMongo(config, stops);
    const ingestConfig = loadConfig(ingestConfigSchema, { ...env, MONGODB_URI: mongo.uri });
    const store = await openStore(ingestConfig);
    stops.push(() => store.client.close());

    const sqs = config.SQS_ENDPOINT
      ? {
          endpoint: config.SQS_ENDPOINT,
          client: createSqsClient({ endpoint: config.SQS_ENDPOINT }),
          embedded: false,
        }
      : await startEmbeddedSqs(config, stops);
    const queues = config.INGEST_QUEUE_URL
      ? { queueUrl: config.INGEST_QUEUE_URL, dlqUrl: config.DEAD_LETTER_QUEUE_URL }
      : await createQueuePair(sqs.client, {
          name: config.INGEST_QUEUE_NAME,
          maxReceiveCount:
            config.INGEST_MAX_RECEIVE_COUNT ??
            maxReceiveCountFor(DEFAULT_OUTAGE_TOLERANCE_SECONDS, backoffFrom(config)),
          visibilityTimeoutSeconds: config.INGEST_VISIBILITY_TIMEOUT_SECONDS,
        });

    const ingestMetrics = new CountingSink();
    const handler = await localIngestHandler({
      client: sqs.client,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.dlqUrl,
      retry: config,
      ingest: ingestContextFor(store, ingestConfig, ingestMetrics),
      logger,
      metrics: ingestMetrics,
    });
    const workers = startIngestWorkers({
      client: sqs.client,
      queueUrl: queues.queueUrl,
      handler,
      logger,
      count: config.INGEST_WORKERS,
      batch: { size: config.INGEST_BATCH_SIZE, windowMs: config.INGEST_BATCH_WINDOW_MS },
    });
    stops.push(() => workers.stop());

    return {
      config,
      mongoUri: mongo.uri,
      embeddedMongo: mongo.embedded,
      sqsEndpoint: sqs.endpoint,
      embeddedSqs: sqs.embedded,
      sqs: sqs.client,
      ...queues,
      store,
      ingestMetrics,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startEmbeddedMongo(config: LocalStackConfig, stops: Array<() => Promise<void>>) {
  const server = await startFerretdb({ dataDir: resolve(config.LOCAL_DATA_DIR, 'ferretdb') });
  stops.push(() => server.stop());
  return { uri: server.uri, embedded: true };
}

async function startEmbeddedSqs(config: LocalStackConfig, stops: Array<() => Promise<void>>) {
  const emulator = await startSqsEmulator({ port: config.SQS_EMULATOR_PORT });
  stops.push(() => emulator.stop());
  return { endpoint: emulator.endpoint, client: emulator.client, embedded: true };
}
