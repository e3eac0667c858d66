import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  type AlarmProps,
  ComparisonOperator,
  type IAlarmAction,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { WatchedResources } from './watched-resources.ts';

export interface AlmanachAlarmsProps {
  watched: WatchedResources;
  /** Subscribed to the alarm topic; without it operators subscribe themselves. */
  alarmEmail?: string;
}

/** Alarms on what operators must act on, all sent (when raised and when cleared) to one SNS topic. */
export class AlmanachAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, { watched, alarmEmail }: AlmanachAlarmsProps) {
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
    const notify = new SnsAction(this.topic);

    this.add(notify, 'DeadLetters', {
      alarmDescription:
        'Notifications reached the dead-letter queue: fix the cause, then replay them (npm run replay).',
      metric: watched.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(notify, 'IngestErrors', {
      alarmDescription:
        'The ingest function failed whole invocations (not single notifications): MongoDB unreachable?',
      metric: watched.ingestFunction.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(notify, 'IngestBacklog', {
      alarmDescription:
        'A notification has waited more than 5 minutes in the ingest queue: ingest is behind.',
      metric: watched.ingestQueue.metricApproximateAgeOfOldestMessage({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 300,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(notify, 'ApiServerErrors', {
      alarmDescription: 'The API answered 5xx: a 5xx is never expected (a bug or MongoDB unreachable).',
      metric: watched.api.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (watched.bridge) {
      this.add(notify, 'BridgeDown', {
        alarmDescription: 'No bridge task has been running for 3 minutes: notifications pile up in RabbitMQ.',
        metric: new Metric({
          namespace: 'ECS/ContainerInsights',
          metricName: 'RunningTaskCount',
          dimensionsMap: {
            ClusterName: watched.bridge.cluster.clusterName,
            ServiceName: watched.bridge.service.serviceName,
          },
          statistic: 'Minimum',
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // No data points means no running task reported them.
        treatMissingData: TreatMissingData.BREACHING,
      });
    }
  }

  private add(notify: IAlarmAction, id: string, props: AlarmProps): void {
    const alarm = new Alarm(this, id, props);
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
    this.alarms.push(alarm);
  }
}
