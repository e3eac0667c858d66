import { ingestWorkerConfigSchema } from '#config/local-schema';
import { loadConfig } from '#config/schema';
import { ingestContextOpening } from '#ingest/compose';
import { CountingSink } from '#observability/ingest-metrics';
import { logger } from '#observability/logger';
import { stopOnSignals } from '#observability/shutdown';
import { createSqsClient } from '#queue/sqs-client';
import { openStore, type Store } from '#store/mongo-client';
import { localIngestHandler, startIngestWorkers } from './ingest-workers.ts';

/**
 * The ingest Lambda's handler as a long-running process (`npm run ingest-worker`): INGEST_WORKERS pollers
 * on INGEST_QUEUE_URL, as the SQS event source mapping would invoke it. SIGTERM or SIGINT: the batches in
 * hand are stored and deleted, then the process exits 0; a kill leaves them to reappear on the queue.
 */
const config = loadConfig(ingestWorkerConfigSchema);
logger.appendKeys({ component: 'ingest-worker' });
// Opened by the first batch, as in the Lambda: a worker started while MongoDB is down waits for it.
let store: Store | undefined;
const metrics = new CountingSink();
const sqs = createSqsClient({ ...(config.SQS_ENDPOINT && { endpoint: config.SQS_ENDPOINT }) });
const workers = startIngestWorkers({
  client: sqs,
  queueUrl: config.INGEST_QUEUE_URL,
  handler: await localIngestHandler({
    client: sqs,
    queueUrl: config.INGEST_QUEUE_URL,
    deadLetterQueueUrl: config.DEAD_LETTER_QUEUE_URL,
    retry: config,
    ingest: ingestContextOpening(async () => (store = await openStore(config)), config, metrics),
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
  await store?.client.close();
  sqs.destroy();
  logger.info('ingest worker stopped', { totals: Object.fromEntries(metrics.totals) });
});
