import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Db } from 'mongodb';
import { inject } from 'vitest';
import { loadConfig, type RulesConfig, rulesConfigSchema, storeConfigSchema } from '#config/schema';
import { type IngestWorkers, startIngestWorkers } from '#dev/local/ingest-workers';
import { type OsloMessage, rabbitBody } from '#dev/simulator/oslo-envelope';
import type { EntityVersion } from '#domain/entity';
import { ingestContextFor } from '#ingest/compose';
import { type IngestContext, type IngestReport, ingestNotification } from '#ingest/ingest-batch';
import type { BackoffPolicy } from '#ingest/redelivery';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { CountingSink } from '#observability/ingest-metrics';
import { sqsFailureRouting } from '#queue/sqs-failure-routing';
import type { EntityDocument } from '#store/collections';
import { EntityQueries } from '#store/entity-queries';
import { MongoIngestStore } from '#store/ingest-store';
import { openStore, type Store } from '#store/mongo-client';
import { uniqueDatabaseName } from './mongo-server.ts';

export interface TestStore extends Store {
  db: Db;
  /** The store's view of entities: heads as stored, and every version of one entity. */
  entities: {
    readHead: MongoIngestStore['readHead'];
    versionsOf(entityId: string): Promise<EntityVersion[]>;
  };
  close(): Promise<void>;
}

/** A fresh database on the suite's MongoDB-compatible server (FerretDB, or MONGODB_URI), dropped on close. */
export async function openTestStore(
  prefix: string,
  uri = inject('mongoUri'),
  settings: Record<string, string> = {},
): Promise<TestStore> {
  const database = uniqueDatabaseName(prefix);
  const store = await openStore(
    loadConfig(storeConfigSchema, { MONGODB_URI: uri, MONGODB_DATABASE: database, ...settings }),
  );
  const db = store.client.db(database);
  return {
    ...store,
    db,
    entities: {
      readHead: (entityId) => new MongoIngestStore(store.collections).readHead(entityId),
      versionsOf: async (entityId) =>
        (await new EntityQueries(store.collections).versionsOf(entityId)).versions,
    },
    close: async () => {
      await db.dropDatabase().catch(() => undefined);
      await store.client.close();
    },
  };
}

export const defaultRules = (overrides: Record<string, string> = {}): RulesConfig =>
  loadConfig(rulesConfigSchema, overrides);

export interface TestIngestor {
  /** One notification body, as a batch of one. */
  ingest(body: string): Promise<IngestReport>;
  /** What the SQS handler runs batches with. */
  context: IngestContext;
  /** Ingest notifications as they travel on RabbitMQ/SQS (oslo v2 envelope), one after another. */
  ingestAll(messages: readonly OsloMessage[]): Promise<void>;
  metrics: CountingSink;
}

export function ingestorFor(store: Store, rules: RulesConfig = defaultRules()): TestIngestor {
  const metrics = new CountingSink();
  const context = ingestContextFor(store, rules, metrics);
  const ingest = (body: string) => ingestNotification(context, body);
  return {
    ingest,
    context,
    metrics,
    ingestAll: async (messages) => {
      for (const message of messages) await ingest(rabbitBody(message));
    },
  };
}

/** The entity collection as billing sees it, in a stable order: for comparing whole collections. */
export async function entityCollection(store: Store): Promise<Omit<EntityDocument, '_revision'>[]> {
  const documents = await store.collections.entity.find({}).sort({ _id: 1 }).toArray();
  return documents.map(({ _revision, ...document }) => document);
}

export const silentLogger = (): Logger => new Logger({ serviceName: 'almanach', logLevel: 'SILENT' });

/** Ingest workers as the local stack runs them: pollers driving the Lambda's handler on an SQS queue. */
export function startTestIngestWorkers(options: {
  client: SQSClient;
  queueUrl: string;
  ingestor: Pick<TestIngestor, 'context' | 'metrics'>;
  logger?: Logger;
  count?: number;
  /** Failures routed as the Lambda routes them; without it, every failure is left to the redrive policy. */
  redelivery?: { deadLetterQueueUrl: string; backoff: BackoffPolicy };
}): IngestWorkers {
  const logger = options.logger ?? silentLogger();
  const { context, metrics } = options.ingestor;
  const { client, queueUrl, redelivery } = options;
  return startIngestWorkers({
    client,
    queueUrl,
    handler: createSqsIngestHandler({
      ingest: context,
      logger,
      metrics,
      ...(redelivery && {
        redelivery: {
          routing: sqsFailureRouting({ client, queueUrl, deadLetterQueueUrl: redelivery.deadLetterQueueUrl }),
          backoff: redelivery.backoff,
        },
      }),
    }),
    logger,
    count: options.count ?? 1,
    waitTimeSeconds: 1,
  });
}
