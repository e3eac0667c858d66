import { GetQueueUrlCommand, QueueDoesNotExist, type SQSClient } from '@aws-sdk/client-sqs';

/** A queue URL as is; a name through GetQueueUrl, as operators know queues by the names in the stack outputs. */
export async function resolveQueueUrl(client: SQSClient, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queue }));
    if (QueueUrl) return QueueUrl;
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
  }
  throw new Error(`SQS has no queue named ${queue} (check the name, the region and the SQS endpoint)`);
}
