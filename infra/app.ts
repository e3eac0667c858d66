import { App, Aspects, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { INFRA_CONTEXT_KEYS, type InfraContext, parseInfraContext } from './context.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { BridgeStack } from './stacks/bridge-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { IngestStack } from './stacks/ingest-stack.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';

export interface AlmanachApp {
  app: App;
  context: InfraContext;
  data: DataStack;
  ingest: IngestStack;
  api: ApiStack;
  /** Absent when the bridge runs elsewhere (context bridge=false or skipBridge). */
  bridge?: BridgeStack;
  observability: ObservabilityStack;
}

/**
 * The whole deployment, one stack per lifecycle: secrets (data) outlive everything, the queues and the
 * ingest function, the API, the bridge, and the alarms and dashboard watching them. `context` is merged
 * with cdk.json's and the command line's (`-c key=value`); every stack is checked by cdk-nag's AWS
 * Solutions rules, so `cdk synth` fails on an unsuppressed finding.
 */
export function buildApp(context: Record<string, unknown> = {}): AlmanachApp {
  // Strong references (CloudFormation exports) stop a stack from being deleted while another uses its
  // values, e.g. the ingest queue under the bridge; setting it also silences CDK's warning about the default.
  const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...context } });
  const settings = parseInfraContext(
    Object.fromEntries(INFRA_CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key)])),
  );
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
  const ingest = new IngestStack(app, `${prefix}-Ingest`, { env, mongoUriSecret: data.mongoUriSecret });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    mongoUriSecret: data.mongoUriSecret,
    authTokenSecret: data.authTokenSecret,
    authStrategy: settings.authStrategy,
    keystoneUrl: settings.keystoneUrl,
  });
  const bridge =
    settings.bridgeEnabled && data.rabbitMqUrlSecret
      ? new BridgeStack(app, `${prefix}-Bridge`, {
          env,
          vpcId: settings.vpcId,
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
    ingest,
    api,
    bridge,
  });

  Aspects.of(app).add(new AwsSolutionsChecks());
  return { app, context: settings, data, ingest, api, bridge, observability };
}
