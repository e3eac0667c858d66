import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ISecurityGroup, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  AlarmBehavior,
  ContainerImage,
  CpuArchitecture,
  Secret as EcsSecret,
  FargateService,
  FargateTaskDefinition,
  type ICluster,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { bridgeMetric } from './almanach-metrics.ts';

export interface BridgeServiceProps {
  cluster: ICluster;
  /** Private subnets reaching RabbitMQ and SQS; nothing connects to the bridge. */
  subnets: SubnetSelection;
  /** Outbound only: the network stack's, which its VPC endpoints and Atlas PrivateLink admit. */
  securityGroup: ISecurityGroup;
  ingestQueue: IQueue;
  /** Holds the RabbitMQ URL (amqps://user:password@host/vhost) as plain text. */
  rabbitMqUrlSecret: ISecret;
  /** Nova's and Cinder's [oslo_messaging_rabbit] settings, which the bridge's declarations must equal. */
  oslo: OsloRabbitSettings;
}

export interface OsloRabbitSettings {
  amqpDurableQueues: boolean;
  rabbitQuorumQueue: boolean;
}

/** The Docker build context of infra/bridge/Dockerfile: the repository root. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** infra/bridge/Dockerfile and what it copies into its build stage. */
const BUILD_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'functions',
  'lib',
  'infra/bridge/Dockerfile',
];
const HEALTH_PORT = 8081;
/** How long the bridge drains on SIGTERM (BRIDGE_SHUTDOWN_TIMEOUT_MS)… */
const SHUTDOWN_TIMEOUT = Duration.seconds(20);
/** …inside the time ECS waits before SIGKILL, with room for the process to exit (ECS allows up to 120 s). */
const STOP_TIMEOUT = Duration.seconds(30);

/**
 * The bridge (RabbitMQ → SQS) as one Fargate task: one consumer is enough for notification volumes, and
 * RabbitMQ keeps whatever is not acknowledged while a task is replaced. ECS restarts it when its own
 * /health check fails, and a deployment whose tasks never get healthy is rolled back.
 */
export class BridgeService extends Construct {
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;
  readonly logGroup: LogGroup;
  /** A bridge that keeps starting: its health check flaps or it crashes, while a task still runs. */
  readonly restartsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: BridgeServiceProps) {
    super(scope, id);

    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    this.logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.taskDefinition.addContainer('Bridge', {
      image: ContainerImage.fromAsset(REPOSITORY_ROOT, {
        file: 'infra/bridge/Dockerfile',
        platform: Platform.LINUX_ARM64,
        // Only the Dockerfile and what it copies go into the image's hash: a change to the README or to a
        // stack must not rebuild the image and restart the bridge.
        exclude: ['*', ...BUILD_INPUTS.map((input) => `!${input}`)],
      }),
      logging: LogDrivers.awsLogs({ streamPrefix: 'bridge', logGroup: this.logGroup }),
      // The bridge writes nothing but stdout (logs and EMF metrics).
      readonlyRootFilesystem: true,
      environment: {
        INGEST_QUEUE_URL: props.ingestQueue.queueUrl,
        // The SQS client falls back to us-east-1 without it.
        AWS_REGION: Stack.of(this).region,
        BRIDGE_HEALTH_HOST: '127.0.0.1',
        BRIDGE_HEALTH_PORT: String(HEALTH_PORT),
        BRIDGE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT.toMilliseconds()),
        BRIDGE_AMQP_DURABLE_QUEUES: String(props.oslo.amqpDurableQueues),
        BRIDGE_RABBIT_QUORUM_QUEUE: String(props.oslo.rabbitQuorumQueue),
      },
      secrets: { RABBITMQ_URL: EcsSecret.fromSecretsManager(props.rabbitMqUrlSecret) },
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${HEALTH_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        // Connecting to RabbitMQ and declaring the topology before /health can answer 200.
        startPeriod: Duration.seconds(60),
      },
      stopTimeout: STOP_TIMEOUT,
    });

    // SendMessageBatch is authorized by sqs:SendMessage; the bridge calls nothing else.
    props.ingestQueue.grant(this.taskDefinition.taskRole, 'sqs:SendMessage');
    props.ingestQueue.encryptionMasterKey?.grant(
      this.taskDefinition.taskRole,
      'kms:GenerateDataKey',
      'kms:Decrypt',
    );

    this.service = new FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      // The new task starts before the old one stops: two consumers of one RabbitMQ queue for a moment is
      // harmless (each message is acknowledged once, after SQS accepted it), a gap in consuming is not.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      assignPublicIp: false,
    });
    this.restartsAlarm = new Alarm(this, 'RestartsAlarm', {
      alarmDescription:
        'The bridge started more than once in 5 minutes: its health check flaps or it crashes. ' +
        'RunningTaskCount stays at 1 meanwhile; notifications wait in RabbitMQ.',
      // Each process start publishes BridgeStarted = 1 (lib/bridge/metrics-reporter.ts); a deployment
      // starts one task, a task failing its health check is replaced within about 2.5 minutes.
      metric: bridgeMetric('BridgeStarted', { period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // A deployment whose tasks keep restarting is rolled back even when each passes its first health check.
    this.service.enableDeploymentAlarms([this.restartsAlarm.alarmName], {
      behavior: AlarmBehavior.ROLLBACK_ON_ALARM,
    });

    this.suppressNagFindings();
  }

  private suppressNagFindings(): void {
    NagSuppressions.addResourceSuppressions(this.taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds only non-secret settings (queue URL, region, health port, shutdown timeout); ' +
          'the RabbitMQ URL, which carries credentials, is an ECS secret read from Secrets Manager.',
      },
    ]);
    const executionRole = this.taskDefinition.executionRole;
    if (!executionRole) return;
    NagSuppressions.addResourceSuppressions(
      executionRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'ecr:GetAuthorizationToken, which ECS needs to pull the bridge image, supports no resource-level ' +
            'permissions; the image pull itself is granted on the CDK assets repository only.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
