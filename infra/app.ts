import { Annotations, App, Aspects, Duration, type Environment, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type INagLogger } from 'cdk-nag';
import type { FunctionNetwork } from './constructs/almanach-function.ts';
import { type InfraContext, resolveStageContext } from './context.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { BridgeStack } from './stacks/bridge-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { IngestStack } from './stacks/ingest-stack.ts';
import { NetworkStack } from './stacks/network-stack.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';

export interface AlmanachApp {
  app: App;
  context: InfraContext;
  data: DataStack;
  /** Absent when nothing runs in a VPC: atlasAccess=public and no bridge. */
  network?: NetworkStack;
  ingest: IngestStack;
  api: ApiStack;
  /** Absent when the bridge runs elsewhere (context bridge=false or skipBridge). */
  bridge?: BridgeStack;
  observability: ObservabilityStack;
}

export const SERVICE_TAG = 'almanach';

/**
 * The whole deployment, one stack per lifecycle: secrets (data) outlive everything, the network, the queues
 * and the ingest function, the API, the bridge, and the alarms and dashboard watching them. `context` is
 * merged with cdk.json's and the command line's (`-c key=value`), and the stage's section of cdk.json
 * (`stages`) applies under them; every stack is checked by cdk-nag's AWS Solutions rules, so `cdk synth`
 * fails on an unsuppressed finding (`nagLoggers` also receive cdk-nag's findings, for the tests).
 */
export function buildApp(
  context: Record<string, unknown> = {},
  { nagLoggers }: { nagLoggers?: INagLogger[] } = {},
): AlmanachApp {
  // Strong references (CloudFormation exports) stop a stack from being deleted while another uses its
  // values, e.g. the ingest queue under the bridge; setting it also silences CDK's warning about the default.
  const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...context } });
  const settings = resolveStageContext((key) => app.node.tryGetContext(key));
  const prefix = `Almanach-${settings.stage}`;
  // Looking up an existing VPC needs a concrete account and region; otherwise the stacks stay env-agnostic.
  const env: Environment = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };

  const data = new DataStack(app, `${prefix}-Data`, {
    env,
    mongoUriSecretName: settings.mongoUriSecretName,
    authTokenSecretName: settings.authTokenSecretName,
    rabbitMqUrlSecretName: settings.rabbitmqUrlSecretName,
    withRabbitMqUrl: settings.bridgeEnabled,
  });
  const privateAtlas = settings.atlasAccess === 'private';
  const network =
    privateAtlas || settings.bridgeEnabled
      ? new NetworkStack(app, `${prefix}-Network`, {
          env,
          vpcId: settings.vpcId,
          natGateways: settings.natGateways,
          vpcEndpoints: settings.vpcEndpoints,
          atlasPrivateLinkServiceName: settings.atlasPrivateLinkServiceName,
        })
      : undefined;
  const functionNetwork: FunctionNetwork | undefined =
    network && privateAtlas
      ? { vpc: network.vpc, subnets: network.privateSubnets, securityGroup: network.workloadSecurityGroup }
      : undefined;

  const ingest = new IngestStack(app, `${prefix}-Ingest`, {
    env,
    mongoUriSecret: data.mongoUriSecret,
    network: functionNetwork,
    settings: {
      outageTolerance: Duration.hours(settings.ingestOutageToleranceHours),
      retry: { baseSeconds: settings.ingestRetryBaseSeconds, maxSeconds: settings.ingestRetryMaxSeconds },
      maximumConcurrency: settings.ingestMaximumConcurrency,
      batchSize: settings.ingestBatchSize,
      maxBatchingWindow: Duration.seconds(settings.ingestMaxBatchingWindowSeconds),
      timeout: Duration.seconds(settings.ingestTimeoutSeconds),
      poolSize: settings.ingestPoolSize,
    },
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    mongoUriSecret: data.mongoUriSecret,
    authTokenSecret: data.authTokenSecret,
    network: functionNetwork,
    settings: {
      reservedConcurrency: settings.apiReservedConcurrency,
      publicReservedConcurrency: settings.publicReservedConcurrency,
      authorizerReservedConcurrency: settings.authorizerReservedConcurrency,
      throttle: { rateLimit: settings.apiThrottleRate, burstLimit: settings.apiThrottleBurst },
      publicThrottle: { rateLimit: settings.publicThrottleRate, burstLimit: settings.publicThrottleBurst },
      authorizerCacheTtl: Duration.seconds(settings.authorizerCacheTtlSeconds),
      poolSize: settings.apiPoolSize,
      authStrategy: settings.authStrategy,
      keystoneUrl: settings.keystoneUrl,
    },
  });
  if (!privateAtlas) {
    Annotations.of(ingest).addWarningV2(
      'almanach:atlasAccessPublic',
      'atlasAccess=public: the functions run outside any VPC and reach Atlas from changing AWS addresses, ' +
        'so its IP access list must allow 0.0.0.0/0. Prefer the default (NAT Elastic IPs) or PrivateLink.',
    );
  }
  const bridge =
    network && data.rabbitMqUrlSecret
      ? new BridgeStack(app, `${prefix}-Bridge`, {
          env,
          vpc: network.vpc,
          subnets: network.privateSubnets,
          securityGroup: network.workloadSecurityGroup,
          ingestQueue: ingest.queue,
          rabbitMqUrlSecret: data.rabbitMqUrlSecret,
          oslo: {
            amqpDurableQueues: settings.amqpDurableQueues,
            rabbitQuorumQueue: settings.rabbitQuorumQueue,
          },
        })
      : undefined;
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    env,
    alarmEmail: settings.alarmEmail,
    thresholds: {
      ingestQueueAgeSeconds: settings.ingestQueueAgeAlarmSeconds,
      apiP99DurationMs: settings.apiP99DurationAlarmMs,
      api4xxPercent: settings.api4xxAlarmPercent,
    },
    ingest,
    api,
    bridge,
  });

  Tags.of(app).add('service', SERVICE_TAG);
  Tags.of(app).add('stage', settings.stage);
  if (settings.costCenter) Tags.of(app).add('costCenter', settings.costCenter);
  Aspects.of(app).add(new AwsSolutionsChecks({ additionalLoggers: nagLoggers }));
  return { app, context: settings, data, network, ingest, api, bridge, observability };
}
