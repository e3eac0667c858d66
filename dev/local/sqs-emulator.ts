import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type QueueAttributeName,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

const HOST = '127.0.0.1';
const REGION = 'us-east-1';

export interface SqsEmulator {
  endpoint: string;
  /** Configured for the emulator: region us-east-1, dummy credentials (it accepts any signature). */
  client: SQSClient;
  stop(): Promise<void>;
}

/**
 * An in-process SQS (fauxqs) on loopback. buildApp + listen rather than fauxqs' startFauxqs, which binds
 * every interface. Port 0 (the default) picks a free port.
 */
export async function startSqsEmulator(options: { port?: number } = {}): Promise<SqsEmulator> {
  const app = buildApp({ logger: false, defaultRegion: REGION });
  await app.listen({ port: options.port ?? 0, host: HOST });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') {
    await app.close();
    throw new Error('the SQS emulator started without a TCP address');
  }
  const endpoint = `http://${HOST}:${address.port}`;
  const client = new SQSClient({
    region: REGION,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await app.close();
    },
  };
}

export interface QueuePairOptions {
  name: string;
  /** Receives before a message moves to `<name>-dlq`, as the redrive policy of the real queue. */
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

export interface QueuePair {
  queueUrl: string;
  dlqUrl: string;
  dlqArn: string;
}

/** `<name>` with a redrive policy to `<name>-dlq`, created through the SQS API as in AWS. */
export async function createQueuePair(client: SQSClient, options: QueuePairOptions): Promise<QueuePair> {
  const dlqUrl = await createQueue(client, `${options.name}-dlq`, {});
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = Attributes?.QueueArn;
  if (!dlqArn) throw new Error(`SQS returned no QueueArn for ${dlqUrl}`);
  const queueUrl = await createQueue(client, options.name, {
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: String(options.maxReceiveCount),
    }),
    VisibilityTimeout: String(options.visibilityTimeoutSeconds),
  });
  return { queueUrl, dlqUrl, dlqArn };
}

async function createQueue(
  client: SQSClient,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`SQS returned no QueueUrl for queue ${name}`);
  return QueueUrl;
}
