import { SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig } from '#config/schema';
import { type SqsClientConfig, sqsClientConfigSchema } from '#config/sqs-schema';

/** Real SQS from the environment's credentials, or an emulator/other endpoint when SQS_ENDPOINT is set. */
export function createSqsClient(
  options: { endpoint?: string; region?: string } = {},
  settings: SqsClientConfig = loadConfig(sqsClientConfigSchema),
): SQSClient {
  const endpoint = options.endpoint ?? settings.SQS_ENDPOINT;
  const region = options.region ?? settings.AWS_REGION;
  if (!endpoint) return new SQSClient({ region });
  // Emulators accept any signature; real SQS behind a custom endpoint still uses the default chain.
  const credentials = settings.AWS_ACCESS_KEY_ID
    ? undefined
    : { accessKeyId: 'local', secretAccessKey: 'local' };
  return new SQSClient({ region, endpoint, ...(credentials && { credentials }) });
}
