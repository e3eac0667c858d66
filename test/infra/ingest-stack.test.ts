import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, maxReceiveCountFor, outageOutlastedSeconds } from '../../lib/ingest/redelivery.ts';
import { buildTestApp } from './build-test-app.ts';
import { resourceNamed, resourcesOf } from './template-resources.ts';

let template: Template;

beforeAll(() => {
  template = Template.fromStack(buildTestApp().ingest);
});

const ingestQueue = () => resourceNamed(template, 'AWS::SQS::Queue', 'IngestQueue').Properties;
const deadLetterQueue = () => resourceNamed(template, 'AWS::SQS::Queue', 'DeadLetterQueue').Properties;
const ingestFunction = () => resourceNamed(template, 'AWS::Lambda::Function', 'IngestFunction').Properties;
const eventSource = () => resourcesOf(template, 'AWS::Lambda::EventSourceMapping')[0]?.Properties;

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

/** The actions the stack's IAM policies allow on one of its queues. */
function actionsOn(queue: string): string[] {
  const arn = { 'Fn::GetAtt': [resourceNamed(template, 'AWS::SQS::Queue', queue).logicalId, 'Arn'] };
  const statements = resourcesOf(template, 'AWS::IAM::Policy').flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
  return statements
    .filter((statement) => JSON.stringify([statement.Resource].flat()).includes(JSON.stringify(arn)))
    .flatMap((statement) => [statement.Action].flat());
}

describe('the ingest stack', () => {
  it('sizes maxReceiveCount so that the retries of a 6-hour MongoDB outage all come before it runs out', () => {
    const { maxReceiveCount } = ingestQueue().RedrivePolicy as { maxReceiveCount: number };

    expect(maxReceiveCount).toBe(maxReceiveCountFor(6 * 3_600, DEFAULT_BACKOFF));
    expect(outageOutlastedSeconds(maxReceiveCount, DEFAULT_BACKOFF)).toBeGreaterThanOrEqual(6 * 3_600);
  });

  it('gives the function the queues and the retry delays that maxReceiveCount was sized with', () => {
    expect(ingestFunction()).toHaveProperty(
      'Environment.Variables',
      expect.objectContaining({
        INGEST_QUEUE_URL: { Ref: resourceNamed(template, 'AWS::SQS::Queue', 'IngestQueue').logicalId },
        DEAD_LETTER_QUEUE_URL: {
          Ref: resourceNamed(template, 'AWS::SQS::Queue', 'DeadLetterQueue').logicalId,
        },
        INGEST_RETRY_BASE_SECONDS: String(DEFAULT_BACKOFF.baseSeconds),
        INGEST_RETRY_MAX_SECONDS: String(DEFAULT_BACKOFF.maxSeconds),
      }),
    );
  });

  it('lets the function send to the dead-letter queue and postpone messages of the ingest queue', () => {
    expect(actionsOn('DeadLetterQueue')).toContain('sqs:SendMessage');
    expect(actionsOn('IngestQueue')).toContain('sqs:ChangeMessageVisibility');
  });

  it('takes the outage tolerance, retry delays, batch size, batching window and concurrency from the context', () => {
    const { ingest } = buildTestApp({
      ingestOutageToleranceHours: '1',
      ingestRetryBaseSeconds: '60',
      ingestRetryMaxSeconds: '600',
      ingestBatchSize: '25',
      ingestMaxBatchingWindowSeconds: '5',
      ingestMaximumConcurrency: '4',
    });
    const custom = Template.fromStack(ingest);
    // 60 + 120 + 240 + 480 + 600 + 600 + 600 + 600 + 600 = 3,900 s ≥ 1 h after 9 delays: 10 receives.
    expect(resourceNamed(custom, 'AWS::SQS::Queue', 'IngestQueue').Properties.RedrivePolicy).toMatchObject({
      maxReceiveCount: 10,
    });
    expect(resourcesOf(custom, 'AWS::Lambda::EventSourceMapping')[0]?.Properties).toMatchObject({
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('keeps dead letters longer than the ingest queue keeps messages', () => {
    expect(deadLetterQueue().MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(deadLetterQueue().MessageRetentionPeriod).toBeGreaterThan(
      Number(ingestQueue().MessageRetentionPeriod),
    );
  });

  it('keeps both queues, and the notifications in them, when the stack is deleted', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it('gives the queue a visibility timeout of six ingest function timeouts plus the batching window', () => {
    const timeout = Number(ingestFunction().Timeout);
    expect(timeout).toBe(30);
    expect(ingestQueue().VisibilityTimeout).toBe(
      6 * timeout + Number(eventSource()?.MaximumBatchingWindowInSeconds),
    );
  });

  it('encrypts both queues', () => {
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('runs the ingest function on Node.js 24 arm64 with the URI from Secrets Manager and its pool size', () => {
    expect(ingestFunction()).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Environment: {
        Variables: expect.objectContaining({
          MONGODB_URI_SECRET_ARN: expect.anything(),
          MONGODB_MAX_POOL_SIZE: '5',
        }),
      },
    });
    expect(JSON.stringify(ingestFunction())).not.toContain('MONGODB_URI"');
  });

  it('runs the ingest function in the private subnets of the network stack', () => {
    expect(JSON.stringify(ingestFunction().VpcConfig)).toMatch(/Almanach-dev-Network:.*PrivateSubnet1/);
  });

  it('takes batches of 100 notifications gathered for up to a second, reports partial failures and bounds concurrency', () => {
    expect(eventSource()).toMatchObject({
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('outputs a managed policy allowing exactly what the replay CLI calls on the two queues', () => {
    const policy = resourceNamed(template, 'AWS::IAM::ManagedPolicy', 'ReplayOperatorPolicy');
    const dlq = {
      'Fn::GetAtt': [resourceNamed(template, 'AWS::SQS::Queue', 'DeadLetterQueue').logicalId, 'Arn'],
    };
    const queue = {
      'Fn::GetAtt': [resourceNamed(template, 'AWS::SQS::Queue', 'IngestQueue').logicalId, 'Arn'],
    };
    expect(policy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadAndRemoveDeadLetters',
          Effect: 'Allow',
          Action: [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
            'sqs:ReceiveMessage',
          ],
          Resource: dlq,
        },
        {
          Sid: 'SendBackToIngest',
          Effect: 'Allow',
          Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
          Resource: queue,
        },
      ],
    });
    template.hasOutput('ReplayOperatorPolicyArn', { Value: { Ref: policy.logicalId } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: dlq['Fn::GetAtt'][0] } });
  });
});
