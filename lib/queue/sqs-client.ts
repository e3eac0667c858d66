import { SQSClient } from '@aws-sdk/client-sqs';

/** Real SQS from the environment's credentials, or an emulator/other endpoint when SQS_ENDPOINT is set. */
export function createSqsClient(options: { endpoint?: string; region?: string } = {}): SQSClient {
  const endpoint = options.endpoint ?? process.env.SQS_ENDPOINT;
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  if (!endpoint) return new SQSClient({ region });
  // Emulators accept any signature; real SQS behind a custom endpoint still uses the default chain.
  const credentials = process.env.AWS_ACCESS_KEY_ID
    ? undefined
    : { accessKeyId: 'local', secretAccessKey: 'local' };
  return new SQSClient({ region, endpoint, ...(credentials && { credentials }) });
}
