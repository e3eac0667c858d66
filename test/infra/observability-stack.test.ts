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
  Dimensions: z.array(z.object({ Name: z.string(), Value: z.unknown() })).default([]),
  ExtendedStatistic: z.string().optional(),
  Metrics: z.array(z.looseObject({ Expression: z.string().optional() })).optional(),
  ComparisonOperator: z.string(),
  Threshold: z.number(),
  AlarmActions: z.array(z.unknown()),
  OKActions: z.array(z.unknown()),
});
const alarms = () =>
  Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([logicalId, alarm]) => ({
    logicalId,
    ...alarmSchema.parse(alarm.Properties),
  }));
const alarmOn = (metricName: string) => alarms().find((alarm) => alarm.MetricName === metricName);
const alarmsOn = (metricName: string) => alarms().filter((alarm) => alarm.MetricName === metricName);
const alarmNamed = (prefix: string) =>
  alarms().find((alarm) => alarm.logicalId.startsWith(`Alarms${prefix}`));
const topicRef = () => ({ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] });
/** The function a Lambda alarm watches, by the construct id in its imported name. */
const functionsWatched = (metricName: string) =>
  alarmsOn(metricName)
    .map(
      (alarm) => JSON.stringify(alarm.Dimensions).match(/(Ingest|Read|Write|Public|Authorizer)Function/)?.[1],
    )
    .sort();

const dashboardBodySchema = z.object({ 'Fn::Join': z.tuple([z.literal(''), z.array(z.unknown())]) });
const widgetsSchema = z.object({
  widgets: z.array(
    z.object({
      properties: z.looseObject({ annotations: z.looseObject({ alarms: z.array(z.string()) }).optional() }),
    }),
  ),
});
/** The alarm (its ARN, as the template computes it) of each alarm widget of the dashboard. */
const alarmWidgets = (): unknown[] => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const parts = dashboardBodySchema.parse(dashboard?.Properties.DashboardBody)['Fn::Join'][1];
  // The body is JSON cut by CloudFormation functions: each function becomes a placeholder to parse it.
  const text = parts.map((part, index) => (typeof part === 'string' ? part : `#${index}#`)).join('');
  const { widgets } = widgetsSchema.parse(JSON.parse(text));
  return widgets.flatMap((widget) =>
    (widget.properties.annotations?.alarms ?? []).map((alarm) => parts[Number(alarm.replaceAll('#', ''))]),
  );
};

describe('the observability stack', () => {
  it('raises an alarm as soon as a notification is in the dead-letter queue', () => {
    expect(alarmOn('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('raises an alarm when the ingest function, an API function or the authorizer fails', () => {
    expect(functionsWatched('Errors')).toEqual(['Authorizer', 'Ingest', 'Public', 'Read', 'Write']);
    for (const alarm of alarmsOn('Errors'))
      expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 0 });
  });

  it('raises an alarm when any function is throttled: ingest, the API functions and the authorizer', () => {
    expect(functionsWatched('Throttles')).toEqual(['Authorizer', 'Ingest', 'Public', 'Read', 'Write']);
    for (const alarm of alarmsOn('Throttles')) expect(alarm.Threshold).toBe(0);
  });

  it('raises an alarm when the p99 duration of an API function or the authorizer exceeds apiP99DurationAlarmMs', () => {
    expect(functionsWatched('Duration')).toEqual(['Authorizer', 'Public', 'Read', 'Write']);
    for (const alarm of alarmsOn('Duration')) {
      expect(alarm).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 3000 });
    }
  });

  it('raises an alarm when a notification has waited in the ingest queue for longer than ingestQueueAgeAlarmSeconds', () => {
    expect(alarmOn('ApproximateAgeOfOldestMessage')).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 300,
    });
  });

  it('raises an alarm when the API answers 5xx', () => {
    expect(alarmOn('5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', Threshold: 0 });
  });

  it('raises an alarm when more than api4xxAlarmPercent of at least 20 requests answered 4xx', () => {
    const spike = alarmNamed('ApiClientErrorSpike');
    expect(spike?.Threshold).toBe(20);
    expect(spike?.Metrics?.[0]?.Expression).toBe('IF(requests >= 20, 100 * clientErrors / requests, 0)');
    expect(JSON.stringify(spike?.Metrics)).toMatch(
      /"MetricName":"4xx".*"MetricName":"Count"|"MetricName":"Count".*"MetricName":"4xx"/,
    );
  });

  it('raises an alarm when no bridge task is running', () => {
    expect(alarmOn('RunningTaskCount')).toMatchObject({
      Namespace: 'ECS/ContainerInsights',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
    });
  });

  it('raises an alarm when RabbitMQ has messages ready and the bridge forwards none', () => {
    const stalled = alarmNamed('BridgeStalled');
    expect(stalled?.Metrics?.[0]?.Expression).toBe('IF(ready > 0 AND FILL(forwarded, 0) == 0, 1, 0)');
    const metrics = JSON.stringify(stalled?.Metrics);
    expect(metrics).toContain('"MetricName":"BridgeQueueDepth"');
    expect(metrics).toContain('"MetricName":"BridgeForwarded"');
  });

  it("notifies when the bridge keeps restarting, through the bridge stack's deployment alarm", () => {
    const [composite, ...others] = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(others).toHaveLength(0);
    expect(composite?.Properties).toMatchObject({ AlarmActions: [topicRef()], OKActions: [topicRef()] });
    expect(JSON.stringify(composite?.Properties.AlarmRule)).toMatch(
      /ALARM\(.*Almanach-dev-Bridge:.*RestartsAlarm/,
    );
  });

  it('sends every alarm, raised and cleared, to the alarm topic', () => {
    expect(alarms()).toHaveLength(20);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topicRef()]);
      expect(alarm.OKActions).toEqual([topicRef()]);
    }
  });

  it("draws every alarm's metric against its threshold on the dashboard", () => {
    const drawn = alarmWidgets().map((alarmArn) => JSON.stringify(alarmArn));
    expect(drawn).toHaveLength(alarms().length + 1);
    for (const alarm of alarms())
      expect(drawn).toContain(JSON.stringify({ 'Fn::GetAtt': [alarm.logicalId, 'Arn'] }));
    expect(drawn.join()).toMatch(/Almanach-dev-Bridge:.*RestartsAlarm/);
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
      'BridgeQueueDepth',
    ]) {
      expect(body).toContain(expected);
    }
  });
});
