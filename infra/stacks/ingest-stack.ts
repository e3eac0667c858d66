import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { AlmanachFunction } from '../constructs/almanach-function.ts';
import { grantSecretRead } from '../constructs/secret-access.ts';

export interface IngestStackProps extends StackProps {
  mongoUriSecret: ISecret;
  /** Receives before a notification is considered poison and moved to the dead-letter queue. */
  maxReceiveCount?: number;
  /** Upper bound of concurrent ingest functions: keeps connections under the Atlas tier's limit. */
  maximumConcurrency?: number;
}

const FUNCTION_TIMEOUT = Duration.seconds(30);

/** The ingest queue the bridge fills, its dead-letter queue, and the function folding notifications. */
export class IngestStack extends Stack {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly ingestFunction: AlmanachFunction;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Dead letters wait for an operator's replay: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This is the dead-letter queue of the ingest queue; it has none itself.',
      },
    ]);
    this.queue = new Queue(this, 'IngestQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // Six times the function timeout, as Lambda recommends, so a slow batch is not redelivered mid-flight.
      visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      // Holds notifications not yet stored: kept, like the dead letters, if the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.ingestFunction = new AlmanachFunction(this, 'IngestFunction', {
      entry: 'functions/ingest/index.ts',
      timeout: FUNCTION_TIMEOUT,
      environment: { MONGODB_URI_SECRET_ARN: props.mongoUriSecret.secretArn },
    });
    grantSecretRead(props.mongoUriSecret, this.ingestFunction);
    this.ingestFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: props.maximumConcurrency ?? 10,
      }),
    );
  }
}
