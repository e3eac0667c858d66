import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  type AlarmProps,
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  CompositeAlarm,
  type IAlarmAction,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { bridgeMetric } from './almanach-metrics.ts';
import type { AlarmThresholds, WatchedResources } from './watched-resources.ts';

export interface AlmanachAlarmsProps {
  watched: WatchedResources;
  thresholds: AlarmThresholds;
  /** Subscribed to the alarm topic; without it operators subscribe themselves. */
  alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);
/** The fewest requests in 5 minutes for which a share of 4xx means something. */
const MIN_REQUESTS_FOR_4XX_RATE = 20;

/**
 * Alarms on every failure that would otherwise be silent, all sent (when raised and when cleared) to one
 * SNS topic. `alarms` lists each metric alarm, for the dashboard to draw.
 */
export class AlmanachAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly notify: IAlarmAction;

  constructor(scope: Construct, id: string, { watched, thresholds, alarmEmail }: AlmanachAlarmsProps) {
    super(scope, id);

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key: a key of our own that
    // CloudWatch may use. It protects alarm notifications only, so it goes with the stack.
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the Almanach alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Almanach alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (alarmEmail) this.topic.addSubscription(new EmailSubscription(alarmEmail));
    this.notify = new SnsAction(this.topic);

    this.queueAlarms(watched, thresholds);
    this.functionAlarms(watched, thresholds);
    this.apiAlarms(watched, thresholds);
    if (watched.bridge) this.bridgeAlarms(watched.bridge);
  }

  private queueAlarms(watched: WatchedResources, thresholds: AlarmThresholds): void {
    this.add('DeadLetters', {
      alarmDescription:
        'Notifications reached the dead-letter queue: fix the cause, then replay them (npm run replay).',
      metric: watched.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 0,
    });
    this.add('IngestBacklog', {
      alarmDescription: `A notification has waited more than ${thresholds.ingestQueueAgeSeconds} s in the ingest queue: ingest is behind or failing.`,
      metric: watched.ingestQueue.metricApproximateAgeOfOldestMessage({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      threshold: thresholds.ingestQueueAgeSeconds,
    });
  }

  /** Errors and throttles of every function; the p99 duration of those a client waits for. */
  private functionAlarms(watched: WatchedResources, thresholds: AlarmThresholds): void {
    this.add('IngestErrors', {
      alarmDescription:
        'The ingest function failed whole invocations (not single notifications): MongoDB unreachable?',
      metric: watched.ingestFunction.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 0,
    });
    const requestPath = [...watched.apiFunctions, watched.authorizerFunction];
    for (const fn of requestPath) {
      this.add(`${nameOf(fn)}Errors`, {
        alarmDescription: `${nameOf(fn)} failed invocations: clients got 5xx or were refused (a bug, or MongoDB, Secrets Manager or Keystone unreachable).`,
        metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 0,
      });
      this.add(`${nameOf(fn)}Duration`, {
        alarmDescription: `The p99 duration of ${nameOf(fn)} exceeded ${thresholds.apiP99DurationMs} ms: MongoDB or Keystone is slow, or the function is short of memory.`,
        metric: fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }),
        threshold: thresholds.apiP99DurationMs,
      });
    }
    for (const fn of [watched.ingestFunction, ...requestPath]) {
      this.add(`${nameOf(fn)}Throttles`, {
        alarmDescription: `${nameOf(fn)} was throttled: its reserved concurrency (or the account's) is used up; requests were refused or notifications wait.`,
        metric: fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 0,
      });
    }
  }

  private apiAlarms(watched: WatchedResources, thresholds: AlarmThresholds): void {
    this.add('ApiServerErrors', {
      alarmDescription: 'The API answered 5xx: a 5xx is never expected (a bug or MongoDB unreachable).',
      metric: watched.api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 0,
    });
    this.add('ApiClientErrorSpike', {
      alarmDescription: `More than ${thresholds.api4xxPercent}% of API requests answered 4xx: a client lost its token, or someone probes the API.`,
      metric: new MathExpression({
        expression: `IF(requests >= ${MIN_REQUESTS_FOR_4XX_RATE}, 100 * clientErrors / requests, 0)`,
        usingMetrics: {
          clientErrors: watched.api.metricClientError({ statistic: 'Sum', period: FIVE_MINUTES }),
          requests: watched.api.metricCount({ statistic: 'Sum', period: FIVE_MINUTES }),
        },
        label: '4xx %',
        period: FIVE_MINUTES,
      }),
      threshold: thresholds.api4xxPercent,
    });
  }

  private bridgeAlarms(bridge: NonNullable<WatchedResources['bridge']>): void {
    this.add('BridgeDown', {
      alarmDescription: 'No bridge task has been running for 3 minutes: notifications pile up in RabbitMQ.',
      metric: new Metric({
        namespace: 'ECS/ContainerInsights',
        metricName: 'RunningTaskCount',
        dimensionsMap: { ClusterName: bridge.cluster.clusterName, ServiceName: bridge.service.serviceName },
        statistic: 'Minimum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // No data points means no running task reported them.
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.add('BridgeStalled', {
      alarmDescription:
        'RabbitMQ had notifications ready for 10 minutes and the bridge forwarded none: it is connected but stuck, or SQS refuses it.',
      metric: new MathExpression({
        // `ready`'s Minimum over the period: the queue never emptied; FILL: a period without forwards has no data point.
        expression: 'IF(ready > 0 AND FILL(forwarded, 0) == 0, 1, 0)',
        usingMetrics: {
          ready: bridgeMetric('BridgeQueueDepth', { statistic: 'Minimum', period: FIVE_MINUTES }),
          forwarded: bridgeMetric('BridgeForwarded', { period: FIVE_MINUTES }),
        },
        label: 'stalled',
        period: FIVE_MINUTES,
      }),
      threshold: 0,
      evaluationPeriods: 2,
    });
    // The restarts alarm lives with the service, whose deployments it rolls back; this one notifies.
    const restarting = new CompositeAlarm(this, 'BridgeRestarting', {
      alarmDescription:
        'The bridge started more than once in 5 minutes: its health check flaps or it crashes, while RunningTaskCount stays 1.',
      alarmRule: AlarmRule.fromAlarm(bridge.restartsAlarm, AlarmState.ALARM),
    });
    restarting.addAlarmAction(this.notify);
    restarting.addOkAction(this.notify);
  }

  /** An alarm raised above `threshold` (unless said otherwise), where no data means nothing happened. */
  private add(
    id: string,
    props: Omit<AlarmProps, 'evaluationPeriods'> & { evaluationPeriods?: number },
  ): void {
    const alarm = new Alarm(this, id, {
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(this.notify);
    alarm.addOkAction(this.notify);
    this.alarms.push(alarm);
  }
}

/** The construct id of a function (IngestFunction, ReadFunction, AuthorizerFunction…). */
function nameOf(fn: IFunction): string {
  return fn.node.id;
}
