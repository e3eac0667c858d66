import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type SqsBatchHandler, SqsPoller } from '#queue/sqs-poller';

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
