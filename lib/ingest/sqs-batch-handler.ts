import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MalformedNotificationError } from '#domain/errors';
import type { IngestMetric, MetricSink } from '#observability/ingest-metrics';
import { asError } from '#observability/thrown';
import {
  type Arrival,
  type ArrivalResult,
  type IngestContext,
  type IngestReport,
  type IngestResult,
  ingestArrivals,
  parseArrival,
} from './ingest-batch.ts';

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
}

export type SqsIngestHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * A whole SQS batch is one pipeline (ingestArrivals): every record parsed once, then stored in a handful of
 * commands. Only the records that failed come back as batchItemFailures, so one poison message never holds
 * back the rest, and a duplicate is a success.
 */
export function createSqsIngestHandler({
  ingest,
  logger,
  metrics,
}: SqsIngestHandlerOptions): SqsIngestHandler {
  return async (event) => {
    const failures: string[] = [];
    const arriving: { record: SQSRecord; arrival: Arrival }[] = [];
    for (const record of event.Records) {
      try {
        const parsed = parseArrival(record.body, ingest.mapping);
        if ('kind' in parsed) arriving.push({ record, arrival: parsed });
        else succeeded(record, parsed);
      } catch (error) {
        failed(record, error);
        failures.push(record.messageId);
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
        failed(record, result.error);
        failures.push(record.messageId);
      }
    });
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };

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

  function failed(record: SQSRecord, error: unknown): void {
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
      });
    }
  }
}

function recordContext(record: SQSRecord) {
  return { sqs_message_id: record.messageId, receive_count: record.attributes.ApproximateReceiveCount };
}
