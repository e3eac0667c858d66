import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MappingOptions } from '#domain/mapping';
import { type Diagnosis, diagnose } from './diagnosis.ts';

export interface DeadLetter {
  sqsMessageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  sentAt: Date;
  receiveCount: number;
  diagnosis: Diagnosis;
}

export interface DeadLetterQueueOptions {
  client: SQSClient;
  queueUrl: string;
  mapping: MappingOptions;
  /** Seconds a received message stays hidden from the ingest and other runs while this run holds it. */
  holdSeconds: number;
}

/**
 * Reads a dead-letter queue without losing anything: every message received is hidden for `holdSeconds`
 * and either deleted (once it is safe elsewhere) or released (visible again at once). Interrupted, a run
 * leaves its messages to reappear when the hold expires.
 */
export class DeadLetterQueue {
  private readonly seen = new Set<string>();

  constructor(private readonly options: DeadLetterQueueOptions) {}

  get queueUrl(): string {
    return this.options.queueUrl;
  }

  async approximateDepth(): Promise<number> {
    const { Attributes } = await this.options.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  /**
   * The next messages (at most `limit`) not yet seen by this run; empty once the queue has nothing more to give. A message
   * whose hold expired during a long run comes back, and is skipped rather than handled twice.
   */
  async next(limit = 10): Promise<DeadLetter[]> {
    const { client, queueUrl, holdSeconds, mapping } = this.options;
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(10, limit)),
        WaitTimeSeconds: 1,
        VisibilityTimeout: holdSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    const letters: DeadLetter[] = [];
    for (const message of Messages) {
      const { MessageId, ReceiptHandle, Body = '' } = message;
      if (!MessageId || !ReceiptHandle || this.seen.has(MessageId)) continue;
      this.seen.add(MessageId);
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 0);
      letters.push({
        sqsMessageId: MessageId,
        receiptHandle: ReceiptHandle,
        body: Body,
        attributes: message.MessageAttributes ?? {},
        sentAt: new Date(Number(message.Attributes?.SentTimestamp ?? Date.now())),
        receiveCount,
        diagnosis: diagnose(Body, receiveCount, mapping),
      });
    }
    return letters;
  }

  /** Deletes these messages; returns the ids SQS reports deleted. */
  async delete(letters: readonly DeadLetter[]): Promise<Set<string>> {
    return this.batched(letters, async (chunk) => {
      const { Successful = [] } = await this.options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((letter, index) => ({ Id: String(index), ReceiptHandle: letter.receiptHandle })),
        }),
      );
      return Successful.map(({ Id }) => chunk[Number(Id)]?.sqsMessageId);
    });
  }

  /** Makes these messages visible again at once, untouched. */
  async release(letters: readonly DeadLetter[]): Promise<void> {
    await this.batched(letters, async (chunk) => {
      await this.options.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((letter, index) => ({
            Id: String(index),
            ReceiptHandle: letter.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      return [];
    });
  }

  private async batched(
    letters: readonly DeadLetter[],
    run: (chunk: DeadLetter[]) => Promise<(string | undefined)[]>,
  ): Promise<Set<string>> {
    const done = new Set<string>();
    for (let offset = 0; offset < letters.length; offset += 10) {
      for (const id of await run(letters.slice(offset, offset + 10))) if (id) done.add(id);
    }
    return done;
  }
}
