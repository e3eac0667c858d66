import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MalformedNotificationError } from '#domain/errors';
import type { IngestMetric, MetricSink } from '#observability/ingest-metrics';
import { asError } from '#observability/thrown';
import type { DeadLetterRequest, FailureRouting, PostponeRequest } from '#queue/sqs-failure-routing';
import { isTransientStoreError } from '#store/transient-errors';
import {
  type Arrival,
  type ArrivalResult,
  type IngestContext,
  type IngestReport,
  type IngestResult,
  ingestArrivals,
  parseArrival,
} from './ingest-batch.ts';
import { type BackoffPolicy, retryDelaySeconds } from './redelivery.ts';

const METRIC_OF: Record<IngestResult, IngestMetric> = {
  applied: 'EventsApplied',
  unchanged: 'EventsUnchanged',
  ignored: 'EventsIgnored',
  orphan: 'EventsOrphaned',
  duplicate: 'Duplicates',
  'unhandled-event-type': 'UnhandledEventTypes',
  'volume-type-recorded': 'VolumeTypesRecorded',
};

export interface SqsIngestHandlerOptions {
  ingest: IngestContext;
  logger: Logger;
  metrics: MetricSink;
  /**
   * How failures leave the batch. Without it (the pipeline tested on its own), every failure is only
   * reported, for SQS to redeliver after the visibility timeout and dead-letter after maxReceiveCount.
   */
  redelivery?: Redelivery;
}

export interface Redelivery {
  routing: FailureRouting;
  /** The delay before the next delivery of a notification the store could not take (see redelivery.ts). */
  backoff: BackoffPolicy;
}

export type SqsIngestHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * A whole SQS batch is one pipeline (ingestArrivals): every record parsed once, then stored in a handful of
 * commands. Only the records that failed come back as batchItemFailures, so one poison message never holds
 * back the rest, and a duplicate is a success.
 *
 * With `redelivery`, failures are told apart, so that maxReceiveCount only ever counts against notifications
 * that cannot be stored: a malformed one is known at parse time and goes to the dead-letter queue at once;
 * one the store could not take (an outage) is hidden for a delay growing with its receives, which makes a
 * long outage cost a few receives instead of one per visibility timeout.
 */
export function createSqsIngestHandler({
  ingest,
  logger,
  metrics,
  redelivery,
}: SqsIngestHandlerOptions): SqsIngestHandler {
  return async (event) => {
    const failures: string[] = [];
    const malformed: DeadLetterRequest[] = [];
    const postponed: PostponeRequest[] = [];
    const arriving: { record: SQSRecord; arrival: Arrival }[] = [];
    for (const record of event.Records) {
      try {
        const parsed = parseArrival(record.body, ingest.mapping);
        if ('kind' in parsed) arriving.push({ record, arrival: parsed });
        else succeeded(record, parsed);
      } catch (error) {
        failed(record, error);
        if (redelivery && error instanceof MalformedNotificationError)
          malformed.push({ record, reason: error.message });
        else failures.push(record.messageId);
      }
    }
    const results = await ingestArrivals(
      ingest,
      arriving.map(({ arrival }) => arrival),
    ).catch((error: unknown): ArrivalResult[] => arriving.map(() => ({ ok: false, error: asError(error) })));
    results.forEach((result, index) => {
      const record = arriving[index]?.record;
      if (!record) return;
      if (result.ok) succeeded(record, result.report);
      else {
        const delaySeconds =
          redelivery && isTransientStoreError(result.error)
            ? retryDelaySeconds(receiveCountOf(record), redelivery.backoff)
            : undefined;
        failed(record, result.error, delaySeconds);
        if (delaySeconds !== undefined) postponed.push({ record, delaySeconds });
        failures.push(record.messageId);
      }
    });
    if (redelivery) failures.push(...(await route(redelivery.routing, malformed, postponed)));
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  /** Dead-letters and postpones; returns the malformed records it could not dead-letter, left to SQS. */
  async function route(
    routing: FailureRouting,
    malformed: readonly DeadLetterRequest[],
    postponed: readonly PostponeRequest[],
  ): Promise<string[]> {
    const [deadLettered] = await Promise.all([
      malformed.length === 0
        ? new Set<string>()
        : routing.deadLetter(malformed).catch((error: unknown) => {
            logger.error('dead-letter queue unreachable: malformed notifications stay queued', { error });
            return new Set<string>();
          }),
      postponed.length === 0
        ? undefined
        : routing.postpone(postponed).catch((error: unknown) => {
            // They come back after the queue's visibility timeout instead: sooner, never lost.
            logger.warn('could not postpone the retries of notifications not stored', { error });
          }),
    ]);
    return malformed.map(({ record }) => record.messageId).filter((id) => !deadLettered.has(id));
  }

  function succeeded(record: SQSRecord, report: IngestReport): void {
    metrics.count(METRIC_OF[report.result]);
    if (report.late) metrics.count('LateEvents');
    const entry = {
      ...recordContext(record),
      message_id: report.messageId,
      event_type: report.eventType,
      entity_id: report.entityId,
    };
    if (report.result === 'orphan' || report.result === 'ignored')
      logger.warn(`notification ${report.result}: ${report.reason}`, entry);
    else logger.info(`notification ${report.result}`, { ...entry, late: report.late });
  }

  function failed(record: SQSRecord, error: unknown, retryInSeconds?: number): void {
    if (error instanceof MalformedNotificationError) {
      metrics.count('MalformedNotifications');
      logger.error('malformed notification: it will reach the dead-letter queue', {
        ...recordContext(record),
        reason: error.message,
        field: error.field,
        body_bytes: Buffer.byteLength(record.body),
      });
    } else {
      metrics.count('FailedNotifications');
      logger.error('notification not stored: it will be retried', {
        ...recordContext(record),
        error: asError(error),
        ...(retryInSeconds !== undefined && { store_unavailable: true, retry_in_seconds: retryInSeconds }),
      });
    }
  }
}

function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

function recordContext(record: SQSRecord) {
  return { sqs_message_id: record.messageId, receive_count: record.attributes.ApproximateReceiveCount };
}
