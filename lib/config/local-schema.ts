import { z } from 'zod';
import { retryConfigSchema } from './ingest-queue-schema.ts';
import { ingestConfigSchema } from './schema.ts';

const deadLetterQueueUrl = z
  .string()
  .url()
  .optional()
  .describe("Where malformed notifications go at once (default: the ingest queue's redrive target)");

/** Settings of the whole system on one machine (`npm start`); the parts' own settings apply as well. */
export const localStackConfigSchema = z.object({
  MONGODB_URI: z.string().min(1).optional().describe('MongoDB to use instead of the embedded FerretDB'),
  LOCAL_DATA_DIR: z.string().min(1).default('.local').describe('Where the embedded FerretDB keeps its data'),
  SQS_ENDPOINT: z.string().url().optional().describe('SQS to use instead of the embedded emulator'),
  SQS_EMULATOR_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(9324)
    .describe('Port of the embedded SQS'),
  INGEST_QUEUE_URL: z.string().url().optional().describe('Ingest queue URL (created by name when unset)'),
  INGEST_QUEUE_NAME: z
    .string()
    .min(1)
    .default('almanach-ingest')
    .describe('Ingest queue name (its DLQ: <name>-dlq)'),
  DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
  INGEST_MAX_RECEIVE_COUNT: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Receives before the DLQ (default: enough to outlast a 6-hour MongoDB outage at the retry delays)',
    ),
  ...retryConfigSchema.shape,
  INGEST_VISIBILITY_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(30)
    .describe('Seconds a received notification stays hidden before redelivery'),
  INGEST_WORKERS: z.coerce.number().int().min(1).max(16).default(2).describe('Local ingest pollers'),
  INGEST_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe('Notifications per ingest batch (gathered from receives of at most 10)'),
  INGEST_BATCH_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(200)
    .describe('How long a begun ingest batch waits to fill'),
});

export type LocalStackConfig = z.infer<typeof localStackConfigSchema>;

/** `npm run ingest-worker`: the ingest side alone, polling a queue someone else created (and fills). */
export const ingestWorkerConfigSchema = ingestConfigSchema.extend({
  SQS_ENDPOINT: z.string().url().optional().describe('SQS endpoint (default: real AWS)'),
  INGEST_QUEUE_URL: z.string().url().describe('The ingest queue to poll'),
  DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
  ...retryConfigSchema.shape,
  INGEST_WORKERS: localStackConfigSchema.shape.INGEST_WORKERS,
  INGEST_BATCH_SIZE: localStackConfigSchema.shape.INGEST_BATCH_SIZE,
  INGEST_BATCH_WINDOW_MS: localStackConfigSchema.shape.INGEST_BATCH_WINDOW_MS,
});

export type IngestWorkerConfig = z.infer<typeof ingestWorkerConfigSchema>;
