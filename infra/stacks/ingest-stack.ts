import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type BackoffPolicy, maxReceiveCountFor } from '../../lib/ingest/redelivery.ts';
import { AlmanachFunction, type FunctionNetwork } from '../constructs/almanach-function.ts';

/** The per-stage tuning of ingest (cdk.json `stages`, infra/context.ts). */
export interface IngestSettings {
  /** The longest MongoDB outage after which no notification may be in the dead-letter queue. */
  outageTolerance: Duration;
  /** The delays between deliveries of a notification not stored during an outage. */
  retry: BackoffPolicy;
  /** Upper bound of concurrent ingest functions: keeps connections within the Atlas budget. */
  maximumConcurrency: number;
  batchSize: number;
  maxBatchingWindow: Duration;
  timeout: Duration;
  /** MongoDB connections one function instance pools (MONGODB_MAX_POOL_SIZE). */
  poolSize: number;
}

export interface IngestStackProps extends StackProps {
  mongoUriSecret: ISecret;
  settings: IngestSettings;
  /** Private subnets reaching Atlas; without it the function runs outside any VPC. */
  network?: FunctionNetwork;
}

/**
 * The ingest queue the bridge fills, its dead-letter queue, the function folding notifications, and the
 * managed policy an operator needs to replay dead letters.
 */
export class IngestStack extends Stack {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly ingestFunction: AlmanachFunction;
  readonly replayOperatorPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Dead letters wait for an operator's replay: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new Queue(this, 'IngestQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // Six times the function timeout plus the batching window, as Lambda recommends, so a slow batch is
      // not redelivered mid-flight.
      visibilityTimeout: Duration.seconds(
        settings.timeout.toSeconds() * 6 + settings.maxBatchingWindow.toSeconds(),
      ),
      // Malformed notifications are dead-lettered by the function at once; the receive budget is for the
      // others, sized so that the retries of an outage as long as the tolerance all come before it runs out.
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: maxReceiveCountFor(settings.outageTolerance.toSeconds(), settings.retry),
      },
      // Holds notifications not yet stored: kept, like the dead letters, if the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.ingestFunction = new AlmanachFunction(this, 'IngestFunction', {
      entry: 'functions/ingest/index.ts',
      timeout: settings.timeout,
      network: props.network,
      environment: {
        MONGODB_URI_SECRET_ARN: props.mongoUriSecret.secretArn,
        MONGODB_MAX_POOL_SIZE: String(settings.poolSize),
        INGEST_QUEUE_URL: this.queue.queueUrl,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        INGEST_RETRY_BASE_SECONDS: String(settings.retry.baseSeconds),
        INGEST_RETRY_MAX_SECONDS: String(settings.retry.maxSeconds),
      },
    });
    props.mongoUriSecret.grantRead(this.ingestFunction);
    this.deadLetterQueue.grantSendMessages(this.ingestFunction);
    this.ingestFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: settings.maximumConcurrency,
      }),
    );

    this.replayOperatorPolicy = this.newReplayOperatorPolicy();
    new CfnOutput(this, 'IngestQueueUrl', { value: this.queue.queueUrl, description: 'replay --to' });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'replay --queue',
    });
  }

  /**
   * Exactly what `npm run replay` calls: on the dead-letter queue, read its depth, receive, hold or release,
   * and delete; on the ingest queue, send. Attach it to the operators' role or group.
   */
  private newReplayOperatorPolicy(): ManagedPolicy {
    const policy = new ManagedPolicy(this, 'ReplayOperatorPolicy', {
      description: 'Almanach: list and replay the ingest dead-letter queue (npm run replay)',
      statements: [
        new PolicyStatement({
          sid: 'ReadAndRemoveDeadLetters',
          actions: [
            'sqs:GetQueueUrl',
            'sqs:GetQueueAttributes',
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
          ],
          resources: [this.deadLetterQueue.queueArn],
        }),
        new PolicyStatement({
          sid: 'SendBackToIngest',
          actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
          resources: [this.queue.queueArn],
        }),
      ],
    });
    new CfnOutput(this, 'ReplayOperatorPolicyArn', {
      value: policy.managedPolicyArn,
      description: 'Managed policy for the operators who run npm run replay: attach it to their role',
    });
    return policy;
  }
}
