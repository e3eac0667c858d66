import { ingestWorkerConfigSchema } from '#config/local-schema';
import { loadConfig } from '#config/schema';
import { ingestContextFor } from '#ingest/compose';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { CountingSink } from '#observability/ingest-metrics';
import { logger } from '#observability/logger';
import { stopOnSignals } from '#observability/shutdown';
import { createSqsClient } from '#queue/sqs-client';
import { openStore } from '#store/mongo-client';
import { startIngestWorkers } from './ingest-workers.ts';

/**
 * The ingest Lambda's handler as a long-running process (`npm run ingest-worker`): INGEST_WORKERS pollers
 * on INGEST_QUEUE_URL, as the SQS event source mapping would invoke it. SIGTERM or SIGINT: the batches in
 * hand are stored and deleted, then the process exits 0; a kill leaves them to reappear on the queue.
 */
const config = loadConfig(ingestWorkerConfigSchema);
logger.appendKeys({ component: 'ingest-worker' });
const store = await openStore(config);
const metrics = new CountingSink();
const sqs = createSqsClient({ ...(config.SQS_ENDPOINT && { endpoint: config.SQS_ENDPOINT }) });
const workers = startIngestWorkers({
  client: sqs,
  queueUrl: config.INGEST_QUEUE_URL,
  handler: createSqsIngestHandler({
    ingest: ingestContextFor(store, config, metrics),
    logger,
    metrics,
  }),
  logger,
  count: config.INGEST_WORKERS,
  batch: { size: config.INGEST_BATCH_SIZE, windowMs: config.INGEST_BATCH_WINDOW_MS },
});
logger.info('ingest worker started', { queueUrl: config.INGEST_QUEUE_URL, pollers: config.INGEST_WORKERS });

stopOnSignals(logger, async () => {
  await workers.stop();
  await store.client.close();
  sqs.destroy();
  logger.info('ingest worker stopped', { totals: Object.fromEntries(metrics.totals) });
});
