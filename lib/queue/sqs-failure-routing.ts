import {
  ChangeMessageVisibilityBatchCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** Why the ingest sent a message to the dead-letter queue itself; replays leave it out. */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'almanach-dead-letter-reason';

/** SQS allows 10 message attributes; a dead letter keeps at most 9 of its own and adds the reason. */
const SQS_MAX_ATTRIBUTES = 10;
const MAX_REASON_LENGTH = 256;

export interface DeadLetterRequest {
  record: SQSRecord;
  reason: string;
}

export interface PostponeRequest {
  record: SQSRecord;
  delaySeconds: number;
}

/** What the ingest handler asks of the queue for the records it does not acknowledge as stored. */
export interface FailureRouting {
  /**
   * Copies each record, body unchanged and its reason as a message attribute, to the dead-letter queue.
   * Returns the ids of the records now safe there (the caller acknowledges those, and only those).
   */
  deadLetter(requests: readonly DeadLetterRequest[]): Promise<Set<string>>;
  /** Hides each record for its delay: its next delivery comes no sooner. */
  postpone(requests: readonly PostponeRequest[]): Promise<void>;
}

export interface SqsFailureRoutingOptions {
  client: SQSClient;
  /** The queue the records were received from (their receipt handles belong to it). */
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/** The SQS calls behind FailureRouting: SendMessage to the dead-letter queue, ChangeMessageVisibilityBatch. */
export function sqsFailureRouting({
  client,
  queueUrl,
  deadLetterQueueUrl,
}: SqsFailureRoutingOptions): FailureRouting {
  return {
    deadLetter: async (requests) => {
      // Each on its own: one refused send must not hide that the others are safe in the dead-letter queue.
      const sent = await Promise.allSettled(
        requests.map(async ({ record, reason }) => {
          await client.send(
            new SendMessageCommand({
              QueueUrl: deadLetterQueueUrl,
              MessageBody: record.body,
              MessageAttributes: {
                ...sdkAttributes(record.messageAttributes),
                [DEAD_LETTER_REASON_ATTRIBUTE]: {
                  DataType: 'String',
                  StringValue: reason.slice(0, MAX_REASON_LENGTH) || 'malformed',
                },
              },
            }),
          );
          return record.messageId;
        }),
      );
      return new Set(sent.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    },
    postpone: async (requests) => {
      for (let offset = 0; offset < requests.length; offset += 10) {
        const chunk = requests.slice(offset, offset + 10);
        await client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map(({ record, delaySeconds }, index) => ({
              Id: String(index),
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: delaySeconds,
            })),
          }),
        );
      }
    },
  };
}

/** The record's attributes as SendMessage takes them (a Lambda record spells them in camelCase). */
function sdkAttributes(attributes: SQSMessageAttributes): Record<string, MessageAttributeValue> {
  const converted: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name === DEAD_LETTER_REASON_ATTRIBUTE) continue;
    if (Object.keys(converted).length >= SQS_MAX_ATTRIBUTES - 1) break;
    if (value.stringValue !== undefined)
      converted[name] = { DataType: value.dataType, StringValue: value.stringValue };
    else if (value.binaryValue !== undefined)
      converted[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
  }
  return converted;
}
