import { z } from 'zod';

/**
 * Every CDK context value the app reads (`-c key=value` or cdk.json), validated once. Values from the
 * command line are strings, values from cdk.json may be booleans: flags accept both. With no context at
 * all, the app synthesizes a complete `dev` deployment.
 */
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name (letters, digits, /_+=.@-)');
const flag = z.union([z.boolean(), z.stringbool()]);

export const infraContextSchema = z
  .object({
    stage: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/,
        'must be 1-20 lowercase letters, digits or dashes, not starting or ending with a dash',
      )
      .default('dev')
      .describe('Name of the deployment, part of every stack name'),
    mongoUriSecretName: secretName
      .optional()
      .describe('Existing secret holding the MongoDB Atlas URI; without it an empty secret is created'),
    authTokenSecretName: secretName
      .optional()
      .describe("Existing secret holding the API's private key; without it one is generated"),
    rabbitmqUrlSecretName: secretName
      .optional()
      .describe("Existing secret holding the bridge's RabbitMQ URL; without it an empty secret is created"),
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-…)')
      .optional()
      .describe('VPC the bridge runs in; without it a new VPC is created'),
    alarmEmail: z.email('must be an e-mail address').optional().describe('Address subscribed to the alarms'),
    bridge: flag.default(true).describe('Deploy the bridge; false when the bridge runs elsewhere'),
    skipBridge: flag.default(false).describe('Same as bridge=false'),
    amqpDurableQueues: flag
      .default(false)
      .describe("The bridge's BRIDGE_AMQP_DURABLE_QUEUES: Nova's and Cinder's amqp_durable_queues"),
    rabbitQuorumQueue: flag
      .default(false)
      .describe("The bridge's BRIDGE_RABBIT_QUORUM_QUEUE: Nova's and Cinder's rabbit_quorum_queue"),
    authStrategy: z
      .string()
      .regex(/^(private_key|keystone)(,(private_key|keystone))?$/, 'must be private_key, keystone or both')
      .optional()
      .describe("AUTH_STRATEGY of the API's authorizer"),
    keystoneUrl: z.url().optional().describe('Keystone identity endpoint (keystone strategy)'),
  })
  .superRefine((context, ctx) => {
    if (context.authStrategy?.includes('keystone') && !context.keystoneUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['keystoneUrl'],
        message: 'required when authStrategy includes keystone',
      });
    }
  })
  .transform(({ bridge, skipBridge, ...context }) => ({ ...context, bridgeEnabled: bridge && !skipBridge }));

export type InfraContext = z.output<typeof infraContextSchema>;
export const INFRA_CONTEXT_KEYS = Object.keys(infraContextSchema.in.shape) as readonly string[];

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
}

/** Parses raw context values; a bad value throws an error naming its context key. */
export function parseInfraContext(raw: Readonly<Record<string, unknown>>): InfraContext {
  const result = infraContextSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `context "${issue.path.join('.')}": ${issue.message}`);
  throw new InvalidContextError(`Invalid CDK context (-c key=value):\n  ${problems.join('\n  ')}`);
}
