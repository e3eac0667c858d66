import { Duration } from 'aws-cdk-lib';
import {
  AlarmWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { IngestMetric } from '../../lib/observability/ingest-metrics.ts';
import { bridgeMetric, ingestMetric } from './almanach-metrics.ts';
import type { WatchedResources } from './watched-resources.ts';

const PERIOD = Duration.minutes(1);

export interface AlmanachDashboardProps {
  watched: WatchedResources;
  /** Every alarm, drawn with its threshold below the overview. */
  alarms: readonly IAlarm[];
  dashboardName?: string;
}

/**
 * One page answering "is usage flowing, and how fast": bridge → queue → ingest → MongoDB, and the API;
 * then one graph per alarm, its metric against its threshold.
 */
export class AlmanachDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: AlmanachDashboardProps) {
    super(scope, id);
    const { watched } = props;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });

    this.dashboard.addWidgets(
      graph('Ingested events/s', [perSecond('EventsApplied', 'applied')]),
      graph('Duplicates and rejects', [
        ingestMetric('Duplicates', { label: 'duplicates' }),
        ingestMetric('MalformedNotifications', { label: 'malformed' }),
        ingestMetric('FailedNotifications', { label: 'failed' }),
      ]),
      graph('Dead-letter queue depth', [
        watched.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: PERIOD,
          label: 'dead letters',
        }),
      ]),
      graph('Age of the oldest queued notification (s)', [
        watched.ingestQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: PERIOD }),
      ]),
    );
    const functions = [watched.ingestFunction, ...watched.apiFunctions, watched.authorizerFunction];
    this.dashboard.addWidgets(
      graph('API latency (ms)', [
        watched.api.metricLatency({ statistic: 'p50', period: PERIOD, label: 'p50' }),
        watched.api.metricLatency({ statistic: 'p99', period: PERIOD, label: 'p99' }),
      ]),
      graph('Lambda errors and throttles', [
        ...functions.flatMap((fn) => [
          fn.metricErrors({ period: PERIOD, label: `errors ${fn.node.id}` }),
          fn.metricThrottles({ period: PERIOD, label: `throttles ${fn.node.id}` }),
        ]),
      ]),
      watched.bridge
        ? graph('Bridge: forwarded to SQS, ready in RabbitMQ', [
            bridgeMetric('BridgeForwarded', { label: 'forwarded' }),
            bridgeMetric('BridgeRetried', { label: 'retried' }),
            bridgeMetric('BridgeDeadLettered', { label: 'dead-lettered in RabbitMQ' }),
            bridgeMetric('BridgeQueueDepth', { statistic: 'Maximum', label: 'ready in RabbitMQ' }),
          ])
        : new TextWidget({ markdown: 'The bridge runs outside this deployment.', width: 6, height: 6 }),
    );
    const alarms: IAlarm[] = [...props.alarms, ...(watched.bridge ? [watched.bridge.restartsAlarm] : [])];
    this.dashboard.addWidgets(
      ...alarms.map(
        (alarm) =>
          new AlarmWidget({ title: alarm.node.id, alarm, width: 6, height: 5, leftYAxis: { min: 0 } }),
      ),
    );
  }
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 6, height: 6 });
}

/** A counter published per minute, as a rate: what a reader of "ingested/s" expects. */
function perSecond(metric: IngestMetric, label: string): MathExpression {
  return new MathExpression({
    expression: 'events / PERIOD(events)',
    usingMetrics: { events: ingestMetric(metric) },
    label,
    period: PERIOD,
  });
}
