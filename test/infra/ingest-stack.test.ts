import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataStack } from '../../infra/stacks/data-stack.ts';
import { IngestStack } from '../../infra/stacks/ingest-stack.ts';

let template: Template;

beforeAll(() => {
  const app = new App();
  const data = new DataStack(app, 'Data');
  template = Template.fromStack(new IngestStack(app, 'Ingest', { mongoUriSecret: data.mongoUriSecret }));
});

describe('the ingest stack', () => {
  it('sends a notification to the dead-letter queue after 5 failed receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
  });

  it('keeps dead letters longer than the ingest queue keeps messages', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    const retention = (withRedrive: boolean) =>
      queues.find((q) => Boolean(q.Properties.RedrivePolicy) === withRedrive)?.Properties
        .MessageRetentionPeriod;
    expect(retention(false)).toBe(14 * 24 * 3600);
    expect(retention(false)).toBeGreaterThan(retention(true));
  });

  it('keeps both queues, and the notifications in them, when the stack is deleted', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it('gives the queue a visibility timeout of at least six ingest function timeouts', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Handler === 'index.handler',
    );
    const queue = Object.values(template.findResources('AWS::SQS::Queue')).find(
      (q) => q.Properties.RedrivePolicy,
    );
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn?.Properties.Timeout);
  });

  it('encrypts both queues', () => {
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('runs the ingest function on Node.js 22 arm64 with the URI from Secrets Manager, not the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Environment: { Variables: Match.objectLike({ MONGODB_URI_SECRET_ARN: Match.anyValue() }) },
    });
    const variables = JSON.stringify(template.findResources('AWS::Lambda::Function'));
    expect(variables).not.toContain('MONGODB_URI"');
  });

  it('reports partial batch failures and bounds concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });
});
