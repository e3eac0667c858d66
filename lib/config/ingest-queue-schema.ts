import { z } from 'zod';
import { type BackoffPolicy, DEFAULT_BACKOFF, SQS_MAX_VISIBILITY_SECONDS } from '#ingest/redelivery';
import { ingestConfigSchema, integer } from './schema.ts';

/** How the ingest spaces the redeliveries of a notification the store could not take (an outage). */
export const retryConfigSchema = z.object({
  INGEST_RETRY_BASE_SECONDS: integer(DEFAULT_BACKOFF.baseSeconds, 1, SQS_MAX_VISIBILITY_SECONDS).describe(
    'Seconds before the first redelivery of a notification not stored because MongoDB was unreachable; doubled at each receive',
  ),
  INGEST_RETRY_MAX_SECONDS: integer(DEFAULT_BACKOFF.maxSeconds, 1, SQS_MAX_VISIBILITY_SECONDS).describe(
    'Most seconds between two redeliveries of such a notification (maxReceiveCount is sized from both)',
  ),
});

/** The ingest as an SQS consumer (the Lambda): the queue it reads, and where malformed notifications go. */
export const sqsIngestConfigSchema = ingestConfigSchema.extend({
  INGEST_QUEUE_URL: z.string().url().describe('The ingest queue (the Lambda postpones retries on it)'),
  DEAD_LETTER_QUEUE_URL: z
    .string()
    .url()
    .describe('Where malformed notifications are sent at once, with their reason'),
  ...retryConfigSchema.shape,
});

export type RetryConfig = z.infer<typeof retryConfigSchema>;

export function backoffFrom(config: RetryConfig): BackoffPolicy {
  return { baseSeconds: config.INGEST_RETRY_BASE_SECONDS, maxSeconds: config.INGEST_RETRY_MAX_SECONDS };
}
