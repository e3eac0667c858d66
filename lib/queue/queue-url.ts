import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';

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

const redrivePolicySchema = z.object({ deadLetterTargetArn: z.string().regex(/^arn:[^:]+:sqs:/) });

/** The URL of the queue's dead-letter queue, read from its redrive policy. */
export async function deadLetterQueueOf(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  if (!Attributes?.RedrivePolicy) throw new Error(`${queueUrl} has no dead-letter queue (no redrive policy)`);
  const { deadLetterTargetArn } = redrivePolicySchema.parse(JSON.parse(Attributes.RedrivePolicy));
  return resolveQueueUrl(client, deadLetterTargetArn.slice(deadLetterTargetArn.lastIndexOf(':') + 1));
}
