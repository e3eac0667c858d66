import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: SqsBatchHandler;
  logger: Logger;
  name?: string;
  /** Records per handler invocation, gathered from several receives (SQS returns at most 10 at a time). */
  batchSize?: number;
  /** How long a batch that has begun waits for more records, as the event source's batching window. */
  batchWindowMs?: number;
  waitTimeSeconds?: number;
}

/** What one ReceiveMessage returns at most. */
const SQS_RECEIVE_MAX = 10;

const MAX_BACKOFF_MS = 5_000;

/**
 * What Lambda's SQS event source mapping does, for the local stack and the tests: long-poll a batch, hand
 * it to the same handler as the Lambda, delete what succeeded, and leave the failures to reappear after
 * the visibility timeout (and reach the dead-letter queue after maxReceiveCount).
 */
export class SqsPoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly name: string;

  constructor(private readonly options: SqsPollerOptions) {
    this.name = options.name ?? 'ingest-worker';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling; a batch already received is finished (handled and acknowledged) first. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const messages = await this.receiveBatch();
        if (messages.length > 0) await this.process(messages);
        failures = 0;
      } catch (error) {
        if (!this.running) break;
        failures++;
        this.options.logger.warn('SQS poll failed, backing off', { worker: this.name, error: String(error) });
        await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures));
      }
    }
  }

  /**
   * Long-polls for the first records, then gathers more until the batch is full or its window has passed,
   * as Lambda's event source mapping does with a batch size above 10 and a batching window.
   */
  private async receiveBatch(): Promise<Message[]> {
    const size = this.options.batchSize ?? SQS_RECEIVE_MAX;
    const batch = await this.receive(Math.min(size, SQS_RECEIVE_MAX), this.options.waitTimeSeconds ?? 20);
    const closes = Date.now() + (this.options.batchWindowMs ?? 0);
    while (batch.length > 0 && batch.length < size && Date.now() < closes && this.running) {
      const more = await this.receive(Math.min(size - batch.length, SQS_RECEIVE_MAX), 0);
      batch.push(...more);
      if (more.length === 0) await sleep(Math.min(25, Math.max(0, closes - Date.now())));
    }
    return batch;
  }

  private async receive(count: number, waitTimeSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await this.options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: count,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return Messages;
  }

  private async process(messages: Message[]): Promise<void> {
    const region = await this.options.client.config.region();
    const records = messages.map((message) => toRecord(message, this.options.queueUrl, region));
    const failed = await this.invoke(records);
    const done = messages.filter((message) => message.MessageId && !failed.has(message.MessageId));
    for (let i = 0; i < done.length; i += 10) {
      await this.options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: done.slice(i, i + 10).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }

  /** The ids of the records to leave on the queue: the reported failures, or all when the handler throws. */
  private async invoke(records: SQSRecord[]): Promise<Set<string>> {
    try {
      const response = await this.options.handler({ Records: records }, localContext(this.name));
      return new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      return new Set(records.map((record) => record.messageId));
    }
  }
}

function toRecord(message: Message, queueUrl: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [
        key,
        { stringValue: value.StringValue, dataType: value.DataType ?? 'String' },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueUrl,
    awsRegion: region,
  };
}

function localContext(functionName: string): Context {
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
