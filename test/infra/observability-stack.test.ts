import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestApp } from './build-test-app.ts';

let template: Template;

beforeAll(() => {
  template = Template.fromStack(buildTestApp({ alarmEmail: 'ops@example.com' }).observability);
});

const alarmSchema = z.object({
  MetricName: z.string().optional(),
  Namespace: z.string().optional(),
  ComparisonOperator: z.string(),
  Threshold: z.number(),
  AlarmActions: z.array(z.unknown()),
  OKActions: z.array(z.unknown()),
});
const alarms = () =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) =>
    alarmSchema.parse(alarm.Properties),
  );
const alarmOn = (metricName: string) => alarms().find((alarm) => alarm.MetricName === metricName);
const topicRef = () => ({ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] });

describe('the observability stack', () => {
  it('raises an alarm as soon as a notification is in the dead-letter queue', () => {
    expect(alarmOn('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('raises an alarm when the ingest function fails', () => {
    expect(alarmOn('Errors')).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 0 });
  });

  it('raises an alarm when a notification has waited in the ingest queue for more than 5 minutes', () => {
    expect(alarmOn('ApproximateAgeOfOldestMessage')).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 300,
    });
  });

  it('raises an alarm when the API answers 5xx', () => {
    expect(alarmOn('5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', Threshold: 0 });
  });

  it('raises an alarm when no bridge task is running', () => {
    expect(alarmOn('RunningTaskCount')).toMatchObject({
      Namespace: 'ECS/ContainerInsights',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
    });
  });

  it('sends every alarm, raised and cleared, to the alarm topic', () => {
    expect(alarms()).toHaveLength(5);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topicRef()]);
      expect(alarm.OKActions).toEqual([topicRef()]);
    }
  });

  it('encrypts the alarm topic with a rotated key CloudWatch may use, and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      }),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('subscribes the alarmEmail address to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topicRef(),
    });
  });

  it('draws ingested/s, duplicates, DLQ depth, queue age, API latency, Lambda errors and bridge forwarding', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const expected of [
      'EventsApplied',
      'PERIOD(',
      'Duplicates',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Latency',
      'p50',
      'p99',
      'Errors',
      'Throttles',
      'BridgeForwarded',
    ]) {
      expect(body).toContain(expected);
    }
  });
});
