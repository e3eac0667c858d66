import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { backoffFrom, sqsIngestConfigSchema } from '#config/ingest-queue-schema';
import { loadConfig } from '#config/schema';
import { withResolvedSecrets } from '#config/secrets';
import { ingestContextOpening } from '#ingest/compose';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { powertoolsSink } from '#observability/ingest-metrics';
import { logger, metrics } from '#observability/logger';
import { createSqsClient } from '#queue/sqs-client';
import { sqsFailureRouting } from '#queue/sqs-failure-routing';
import { openStore } from '#store/mongo-client';

const config = loadConfig(sqsIngestConfigSchema, await withResolvedSecrets());
const sink = powertoolsSink(metrics);
// The store opens with the first batch, not at init: a cold start during an outage then backs its batch
// off like any outage, where a failed init would return it to the queue at the next visibility timeout.
const ingest = ingestContextOpening(
  () => openStore(config, { maxPoolSize: config.MONGODB_MAX_POOL_SIZE }),
  config,
  sink,
);
const routing = sqsFailureRouting({
  client: createSqsClient(),
  queueUrl: config.INGEST_QUEUE_URL,
  deadLetterQueueUrl: config.DEAD_LETTER_QUEUE_URL,
});

export const handler = middy(
  createSqsIngestHandler({
    ingest,
    logger,
    metrics: sink,
    redelivery: { routing, backoff: backoffFrom(config) },
  }),
)
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .use(logMetrics(metrics));
