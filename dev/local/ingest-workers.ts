import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { backoffFrom, type RetryConfig } from '#config/ingest-queue-schema';
import type { IngestContext } from '#ingest/ingest-batch';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import type { MetricSink } from '#observability/ingest-metrics';
import { deadLetterQueueOf } from '#queue/queue-url';
import { sqsFailureRouting } from '#queue/sqs-failure-routing';
import { type SqsBatchHandler, SqsPoller } from '#queue/sqs-poller';

export interface LocalIngestHandlerOptions {
  client: SQSClient;
  queueUrl: string;
  /** Default: the queue's redrive target. */
  deadLetterQueueUrl?: string | undefined;
  retry: RetryConfig;
  ingest: IngestContext;
  logger: Logger;
  metrics: MetricSink;
}

/** The Lambda's handler, with its failures routed as in AWS: malformed to the DLQ at once, outages backed off. */
export async function localIngestHandler(options: LocalIngestHandlerOptions): Promise<SqsBatchHandler> {
  const { client, queueUrl } = options;
  const deadLetterQueueUrl = options.deadLetterQueueUrl ?? (await deadLetterQueueOf(client, queueUrl));
  return createSqsIngestHandler({
    ingest: options.ingest,
    logger: options.logger,
    metrics: options.metrics,
    redelivery: {
      routing: sqsFailureRouting({ client, queueUrl, deadLetterQueueUrl }),
      backoff: backoffFrom(options.retry),
    },
  });
}

export interface IngestWorkersOptions {
  client: SQSClient;
  queueUrl: string;
  /** The ingest Lambda's handler (createSqsIngestHandler). */
  handler: SqsBatchHandler;
  logger: Logger;
  count: number;
  /** Records per batch and how long a batch waits to fill (the Lambda's batchSize and batching window). */
  batch?: { size: number; windowMs: number };
  /** Long-poll wait; shorter in tests so that stopping is quick. */
  waitTimeSeconds?: number;
}

export interface IngestWorkers {
  /** Stops polling; the batches in hand are finished (stored and deleted) first. */
  stop(): Promise<void>;
}

/**
 * What Lambda's SQS event source mapping does, `count` pollers wide: `npm start`, the standalone ingest
 * worker and the tests all run the Lambda's handler this way.
 */
export function startIngestWorkers(options: IngestWorkersOptions): IngestWorkers {
  const workers = Array.from(
    { length: options.count },
    (_, n) =>
      new SqsPoller({
        client: options.client,
        queueUrl: options.queueUrl,
        handler: options.handler,
        logger: options.logger,
        name: `ingest-${n}`,
        ...(options.batch && { batchSize: options.batch.size, batchWindowMs: options.batch.windowMs }),
        ...(options.waitTimeSeconds !== undefined && { waitTimeSeconds: options.waitTimeSeconds }),
      }),
  );
  for (const worker of workers) worker.start();
  return { stop: async () => void (await Promise.all(workers.map((worker) => worker.stop()))) };
}
