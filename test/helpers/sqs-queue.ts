import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export async function sendBodies(
  client: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((body, index) => ({ Id: String(index), MessageBody: body }));
    const { Failed = [] } = await client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    if (Failed.length > 0) throw new Error(`SQS refused ${Failed.length} messages: ${Failed[0]?.Message}`);
  }
}

export async function queueDepth(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Resolves once nothing is left on the queue, visible or in flight; fails after `timeoutMs`. */
export async function waitForQueueDrained(
  client: SQSClient,
  queueUrl: string,
  { timeoutMs }: { timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await queueDepth(client, queueUrl)) === 0) return;
    await sleep(200);
  }
  throw new Error(
    `queue ${queueUrl} still holds ${await queueDepth(client, queueUrl)} messages after ${timeoutMs} ms`,
  );
}

/** Receives until `expected` messages arrived (leaving them in flight); fails after `timeoutMs`. */
export async function receiveExpected(
  client: SQSClient,
  queueUrl: string,
  { expected, timeoutMs }: { expected: number; timeoutMs: number },
): Promise<Message[]> {
  const received = new Map<string, Message>();
  const deadline = Date.now() + timeoutMs;
  while (received.size < expected && Date.now() < deadline) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 300,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    for (const message of Messages) received.set(message.MessageId ?? '', message);
  }
  return [...received.values()];
}
