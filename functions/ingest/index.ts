import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ingestConfigSchema, loadConfig } from '#config/schema';
import { withResolvedSecrets } from '#config/secrets';
import { ingestContextFor } from '#ingest/compose';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { powertoolsSink } from '#observability/ingest-metrics';
import { logger, metrics } from '#observability/logger';
import { openStore } from '#store/mongo-client';

const config = loadConfig(ingestConfigSchema, await withResolvedSecrets());
const store = await openStore(config, { maxPoolSize: config.MONGODB_MAX_POOL_SIZE });
const sink = powertoolsSink(metrics);

export const handler = middy(
  createSqsIngestHandler({ ingest: ingestContextFor(store, config, sink), logger, metrics: sink }),
)
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .use(logMetrics(metrics));
