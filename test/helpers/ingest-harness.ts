import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Db } from 'mongodb';
import { inject } from 'vitest';
import { loadConfig, type RulesConfig, rulesConfigSchema, storeConfigSchema } from '#config/schema';
import { createIngestorForStore } from '#ingest/compose';
import type { IngestNotification } from '#ingest/ingest-notification';
import { CountingSink } from '#ingest/metrics';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { type IngestWorkers, startIngestWorkers } from '#local/ingest-workers';
import { type OsloMessage, rabbitBody } from '#simulator/notifications';
import type { EntityDocument } from '#store/collections';
import { EntityRepository } from '#store/entity-repository';
import { openStore, type Store } from '#store/mongo-client';
import { uniqueDatabaseName } from './mongo-server.ts';

export interface TestStore extends Store {
  db: Db;
  entities: EntityRepository;
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
    entities: new EntityRepository(store.collections),
    close: async () => {
      await db.dropDatabase().catch(() => undefined);
      await store.client.close();
    },
  };
}

export const defaultRules = (overrides: Record<string, string> = {}): RulesConfig =>
  loadConfig(rulesConfigSchema, overrides);

export interface TestIngestor {
  ingest: IngestNotification;
  /** Ingest notifications as they travel on RabbitMQ/SQS (oslo v2 envelope), one after another. */
  ingestAll(messages: readonly OsloMessage[]): Promise<void>;
  metrics: CountingSink;
}

export function ingestorFor(store: Store, rules: RulesConfig = defaultRules()): TestIngestor {
  const metrics = new CountingSink();
  const ingest = createIngestorForStore(store, rules, metrics);
  return {
    ingest,
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
  ingestor: Pick<TestIngestor, 'ingest' | 'metrics'>;
  logger?: Logger;
  count?: number;
}): IngestWorkers {
  const logger = options.logger ?? silentLogger();
  const { ingest, metrics } = options.ingestor;
  return startIngestWorkers({
    client: options.client,
    queueUrl: options.queueUrl,
    handler: createSqsIngestHandler({ ingest, logger, metrics }),
    logger,
    count: options.count ?? 1,
    waitTimeSeconds: 1,
  });
}
