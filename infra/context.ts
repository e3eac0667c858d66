import { z } from 'zod';
import { MAX_REVOCATION_SECONDS } from '../lib/config/api-schema.ts';
import { integer, longestStoreWaitMs, storeConfigSchema } from '../lib/config/schema.ts';
import {
  DEFAULT_BACKOFF,
  DEFAULT_OUTAGE_TOLERANCE_SECONDS,
  outageOutlastedSeconds,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_VISIBILITY_SECONDS,
} from '../lib/ingest/redelivery.ts';

/**
 * Every CDK context value the app reads, validated once. A value comes, in this order of precedence, from
 * the command line (`-c key=value`), from the stage's section of cdk.json (`"stages": {"prod": {…}}`), or
 * from the default here. Command-line values are strings, cdk.json values may be booleans or numbers: both
 * are accepted. With no context at all, the app synthesizes a complete `dev` deployment.
 */
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name (letters, digits, /_+=.@-)');
const flag = z.union([z.boolean(), z.stringbool()]);

export const ATLAS_ACCESS = ['private', 'public'] as const;

export const infraContextShape = {
  stage: z
    .string()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/,
      'must be 1-20 lowercase letters, digits or dashes, not starting or ending with a dash',
    )
    .default('dev')
    .describe('Name of the deployment, part of every stack name and the `stage` tag'),
  costCenter: z
    .string()
    .regex(/^[\w .:/=+@-]{1,256}$/, 'must be a valid tag value')
    .optional()
    .describe('Value of the `costCenter` tag on every resource; without it no such tag'),
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
    .describe(
      'Existing VPC (private subnets with egress) for the bridge and the functions; without it a VPC is created',
    ),
  natGateways: integer(1, 1, 3).describe(
    'NAT gateways (and Elastic IPs) of a created VPC: 1 is cheapest, 2 survives the loss of an AZ',
  ),
  atlasAccess: z
    .enum(ATLAS_ACCESS)
    .default('private')
    .describe(
      '`private`: the functions run in the VPC and reach Atlas through NAT or PrivateLink; `public`: outside any VPC (Atlas must allow 0.0.0.0/0; synth warns)',
    ),
  atlasPrivateLinkServiceName: z
    .string()
    .regex(/^com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-[0-9a-f]+$/, 'must be a VPC endpoint service name')
    .optional()
    .describe(
      "Atlas PrivateLink endpoint service (Atlas' Network Access page): creates an interface endpoint for it",
    ),
  vpcEndpoints: flag
    .default(false)
    .describe(
      'Interface endpoints for SQS, Secrets Manager and CloudWatch Logs, in two AZs: they cost more than the NAT processing they save below about 420 GB a month through each',
    ),
  atlasMaxConnections: integer(500, 10, 1_000_000).describe(
    "Connections the Atlas tier allows (500 on M0/Flex, 1,500 on M10); synth fails when the functions' budget exceeds it",
  ),
  atlasNodes: integer(3, 1, 50).describe(
    'Members of the Atlas replica set: each function instance also holds one monitoring connection per member',
  ),
  ingestPoolSize: integer(5, 1, 100).describe('MongoDB connections pooled by one ingest function instance'),
  apiPoolSize: integer(2, 1, 100).describe('MongoDB connections pooled by one API function instance'),
  ingestMaximumConcurrency: integer(10, 2, 1_000).describe(
    'Most ingest functions the SQS event source runs at once (its MaximumConcurrency)',
  ),
  ingestBatchSize: integer(100, 1, 10_000).describe('Most notifications per ingest invocation'),
  ingestMaxBatchingWindowSeconds: integer(1, 0, 300).describe(
    'How long the event source gathers a batch; at least 1 when ingestBatchSize is above 10',
  ),
  ingestTimeoutSeconds: integer(30, 1, 900).describe(
    "Ingest function timeout; the queue's visibility timeout is 6 times it plus the batching window",
  ),
  ingestOutageToleranceHours: integer(DEFAULT_OUTAGE_TOLERANCE_SECONDS / 3_600, 1, 72).describe(
    "Longest MongoDB outage the ingest outlasts with no notification dead-lettered: sizes the queue's maxReceiveCount",
  ),
  ingestRetryBaseSeconds: integer(DEFAULT_BACKOFF.baseSeconds, 1, SQS_MAX_VISIBILITY_SECONDS).describe(
    'Delay before a notification not stored during a MongoDB outage is delivered again; doubled at each receive',
  ),
  ingestRetryMaxSeconds: integer(DEFAULT_BACKOFF.maxSeconds, 1, SQS_MAX_VISIBILITY_SECONDS).describe(
    'Longest delay between two deliveries of such a notification',
  ),
  apiReservedConcurrency: integer(10, 1, 1_000).describe(
    'Reserved concurrency of the read and of the write API function, each',
  ),
  publicReservedConcurrency: integer(5, 1, 1_000).describe(
    "Reserved concurrency of the public routes' function (info, OpenAPI)",
  ),
  authorizerReservedConcurrency: integer(10, 1, 1_000).describe(
    'Reserved concurrency of the token authorizer (it holds no MongoDB connection)',
  ),
  apiThrottleRate: integer(50, 1, 10_000).describe('Steady requests per second of the API stage'),
  apiThrottleBurst: integer(100, 1, 5_000).describe('Burst of requests of the API stage'),
  publicThrottleRate: integer(10, 1, 10_000).describe('Steady requests per second of each public route'),
  publicThrottleBurst: integer(20, 1, 5_000).describe('Burst of requests of each public route'),
  authorizerCacheTtlSeconds: integer(30, 0, MAX_REVOCATION_SECONDS).describe(
    `How long API Gateway reuses the authorizer's verdict for one X-Auth-Token; the authorizer's Keystone cache gets the rest of ${MAX_REVOCATION_SECONDS} s, the longest a revoked token may still be accepted`,
  ),
  ingestQueueAgeAlarmSeconds: integer(300, 60, 86_400).describe(
    'Alarm when the oldest notification in the ingest queue is older than this',
  ),
  apiP99DurationAlarmMs: integer(3_000, 100, 30_000).describe(
    'Alarm when the p99 duration of an API function or the authorizer exceeds this',
  ),
  api4xxAlarmPercent: integer(20, 1, 100).describe(
    'Alarm when more than this share of API requests in 5 minutes (at least 20) answered 4xx',
  ),
  alarmEmail: z.email('must be an e-mail address').optional().describe('Address subscribed to the alarms'),
  bridge: flag.default(true).describe('Deploy the bridge; false when the bridge runs elsewhere'),
  skipBridge: flag.default(false).describe('Same as bridge=false'),
  amqpDurableQueues: flag
    .default(false)
    .describe(
      "The bridge's BRIDGE_AMQP_DURABLE_QUEUES: must equal Nova's and Cinder's amqp_durable_queues (true in production, see docs/architecture.md#the-bridge)",
    ),
  rabbitQuorumQueue: flag
    .default(false)
    .describe("The bridge's BRIDGE_RABBIT_QUORUM_QUEUE: must equal Nova's and Cinder's rabbit_quorum_queue"),
  authStrategy: z
    .string()
    .regex(/^(private_key|keystone)(,(private_key|keystone))?$/, 'must be private_key, keystone or both')
    .default('private_key')
    .describe("AUTH_STRATEGY of the API's authorizer: private_key, keystone or both comma-separated"),
  keystoneUrl: z.url().optional().describe('Keystone identity endpoint (keystone strategy)'),
};

export interface ConnectionBudget {
  ingest: number;
  api: number;
  total: number;
}

/**
 * MongoDB connections the functions can hold at once: each ingest instance (at most the event source's
 * MaximumConcurrency) and each API instance (at most the reserved concurrency of the three API functions)
 * holds its pool plus, in Lambda, one monitoring connection per replica-set member (the driver polls there).
 */
export function connectionBudget(context: {
  atlasNodes: number;
  ingestPoolSize: number;
  apiPoolSize: number;
  ingestMaximumConcurrency: number;
  apiReservedConcurrency: number;
  publicReservedConcurrency: number;
}): ConnectionBudget {
  const ingest = context.ingestMaximumConcurrency * (context.ingestPoolSize + context.atlasNodes);
  const apiInstances = 2 * context.apiReservedConcurrency + context.publicReservedConcurrency;
  const api = apiInstances * (context.apiPoolSize + context.atlasNodes);
  return { ingest, api, total: ingest + api };
}

export const infraContextSchema = z
  .object(infraContextShape)
  .superRefine((context, ctx) => {
    if (context.authStrategy.includes('keystone') && !context.keystoneUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['keystoneUrl'],
        message: 'required when authStrategy includes keystone',
      });
    }
    if (context.atlasAccess === 'public' && context.atlasPrivateLinkServiceName) {
      ctx.addIssue({
        code: 'custom',
        path: ['atlasPrivateLinkServiceName'],
        message: 'needs atlasAccess=private: PrivateLink is reached from inside the VPC only',
      });
    }
    const storeWaitMs = longestStoreWaitMs(storeConfigSchema.parse({ MONGODB_URI: 'mongodb://defaults' }));
    if (context.ingestTimeoutSeconds * 1_000 <= storeWaitMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingestTimeoutSeconds'],
        message: `must exceed ${storeWaitMs / 1_000} s, the longest a store call waits on a hung MongoDB (server selection plus a retried read's socket timeouts), or the function dies before the call fails`,
      });
    }
    if (context.ingestBatchSize > 10 && context.ingestMaxBatchingWindowSeconds < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingestMaxBatchingWindowSeconds'],
        message: 'must be at least 1 when ingestBatchSize is above 10 (an SQS event source rule)',
      });
    }
    const retry = { baseSeconds: context.ingestRetryBaseSeconds, maxSeconds: context.ingestRetryMaxSeconds };
    if (outlastedAtMost(retry) < context.ingestOutageToleranceHours * 3_600) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingestRetryMaxSeconds'],
        message: `too short to outlast ${context.ingestOutageToleranceHours} h within SQS's ${SQS_MAX_RECEIVE_COUNT} receives`,
      });
    }
    const budget = connectionBudget(context);
    if (budget.total > context.atlasMaxConnections) {
      ctx.addIssue({
        code: 'custom',
        path: ['atlasMaxConnections'],
        message:
          `the functions can open ${budget.total} MongoDB connections, more than the ${context.atlasMaxConnections} allowed: ` +
          `ingest ${context.ingestMaximumConcurrency} × (${context.ingestPoolSize} pooled + ${context.atlasNodes} monitoring) = ${budget.ingest}, ` +
          `API (2 × ${context.apiReservedConcurrency} + ${context.publicReservedConcurrency} public) × (${context.apiPoolSize} pooled + ${context.atlasNodes} monitoring) = ${budget.api}. ` +
          'Lower ingestMaximumConcurrency, apiReservedConcurrency, publicReservedConcurrency or the pool sizes, or raise atlasMaxConnections to what the Atlas tier allows',
      });
    }
  })
  .transform(({ bridge, skipBridge, ...context }) => ({ ...context, bridgeEnabled: bridge && !skipBridge }));

/** The longest outage any maxReceiveCount SQS accepts can outlast with these delays. */
function outlastedAtMost(retry: { baseSeconds: number; maxSeconds: number }): number {
  return outageOutlastedSeconds(SQS_MAX_RECEIVE_COUNT, retry);
}

export type InfraContext = z.output<typeof infraContextSchema>;
export const INFRA_CONTEXT_KEYS = Object.keys(
  infraContextShape,
) as readonly (keyof typeof infraContextShape)[];

/** The context key holding one section of settings per stage (cdk.json: `"stages": {"prod": {…}}`). */
export const STAGES_CONTEXT_KEY = 'stages';
const stageSectionsSchema = z.record(z.string(), z.strictObject(infraContextShape).partial()).default({});

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
}

/** Parses raw context values; a bad value throws an error naming its context key. */
export function parseInfraContext(raw: Readonly<Record<string, unknown>>): InfraContext {
  const result = infraContextSchema.safeParse(raw);
  if (result.success) return result.data;
  throw invalid(result.error.issues, '');
}

/**
 * The settings of the stage chosen by `stage`: its cdk.json section under `stages`, overridden by the keys
 * given directly (`-c key=value`). `read` returns a context value, undefined when absent.
 */
export function resolveStageContext(read: (key: string) => unknown): InfraContext {
  const stage = read('stage') ?? infraContextShape.stage.parse(undefined);
  const sections = stageSectionsSchema.safeParse(read(STAGES_CONTEXT_KEY));
  if (!sections.success) throw invalid(sections.error.issues, `${STAGES_CONTEXT_KEY}.`);
  const section = typeof stage === 'string' ? (sections.data[stage] ?? {}) : {};
  const direct = Object.fromEntries(
    INFRA_CONTEXT_KEYS.map((key) => [key, read(key)]).filter(([, value]) => value !== undefined),
  );
  return parseInfraContext({ ...section, ...direct });
}

function invalid(issues: readonly z.core.$ZodIssue[], prefix: string): InvalidContextError {
  const problems = issues.map((issue) => `context "${prefix}${issue.path.join('.')}": ${issue.message}`);
  return new InvalidContextError(
    `Invalid CDK context (-c key=value or cdk.json):\n  ${problems.join('\n  ')}`,
  );
}
