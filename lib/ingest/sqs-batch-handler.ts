import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MalformedNotificationError } from '#domain/errors';
import {
  type IngestNotification,
  type IngestReport,
  type IngestResult,
  keyedSequence,
  type Sequence,
} from './ingest-notification.ts';
import type { IngestMetric, MetricSink } from './metrics.ts';

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
  ingest: IngestNotification;
  logger: Logger;
  metrics: MetricSink;
}

export type SqsIngestHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The records of a batch are applied concurrently, except that records of one entity wait for each other
 * and go in the order they came (events of one entity usually travel together, and in order they take the
 * incremental path): a batch costs about as much as its longest chain, not the sum of its records. Only
 * the records that failed come back as batchItemFailures, so one poison message never holds back the
 * rest, and a duplicate is a success.
 */
export function createSqsIngestHandler({
  ingest,
  logger,
  metrics,
}: SqsIngestHandlerOptions): SqsIngestHandler {
  const processor = new BatchProcessor(EventType.SQS);

  async function processRecord(record: SQSRecord, sequence: Sequence): Promise<IngestReport> {
    const context = {
      sqs_message_id: record.messageId,
      receive_count: record.attributes.ApproximateReceiveCount,
    };
    try {
      const report = await ingest(record.body, sequence);
      metrics.count(METRIC_OF[report.result]);
      if (report.late) metrics.count('LateEvents');
      logReport(logger, report, context);
      return report;
    } catch (error) {
      if (error instanceof MalformedNotificationError) {
        metrics.count('MalformedNotifications');
        logger.error('malformed notification: it will reach the dead-letter queue', {
          ...context,
          reason: error.message,
          field: error.field,
          body_bytes: Buffer.byteLength(record.body),
        });
      } else {
        metrics.count('FailedNotifications');
        logger.error('notification not stored: it will be retried', { ...context, error: asError(error) });
      }
      throw error;
    }
  }

  return (event, context) => {
    const sequence = keyedSequence();
    return processPartialResponse(event, (record: SQSRecord) => processRecord(record, sequence), processor, {
      context,
      processInParallel: true,
    });
  };
}

function logReport(logger: Logger, report: IngestReport, context: Record<string, unknown>): void {
  const entry = {
    ...context,
    message_id: report.messageId,
    event_type: report.eventType,
    entity_id: report.entityId,
  };
  if (report.result === 'orphan' || report.result === 'ignored') {
    logger.warn(`notification ${report.result}: ${report.reason}`, entry);
  } else {
    logger.info(`notification ${report.result}`, { ...entry, late: report.late });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
