import { z } from 'zod';

/**
 * How the SQS client is reached: the variables the AWS SDK reads too, plus SQS_ENDPOINT for an emulator
 * (fauxqs locally) or any other endpoint.
 */
export const sqsClientConfigSchema = z.object({
  SQS_ENDPOINT: z.url().optional().describe('SQS endpoint; default: real SQS of AWS_REGION'),
  AWS_REGION: z.string().min(1).default('us-east-1').describe('Region of the SQS queues'),
  AWS_ACCESS_KEY_ID: z
    .string()
    .optional()
    .describe("Set: the SDK's credentials, even with SQS_ENDPOINT; unset there: an emulator's dummy ones"),
});

export type SqsClientConfig = z.infer<typeof sqsClientConfigSchema>;
