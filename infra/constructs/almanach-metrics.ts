import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { IngestMetric } from '../../lib/observability/ingest-metrics.ts';

/**
 * The metrics the code publishes itself (CloudWatch EMF through Powertools Metrics): the namespace and the
 * default `service` dimension of lib/observability/logger.ts. Ingest metric names are checked against
 * lib/observability/ingest-metrics.ts by the compiler; the bridge's are those of lib/bridge/metrics-reporter.ts.
 */
const NAMESPACE = 'Almanach';
const DIMENSIONS = { service: 'almanach' };

export type BridgeMetric =
  | 'BridgeForwarded'
  | 'BridgeRetried'
  | 'BridgeFailed'
  | 'BridgeDeadLettered'
  | 'BridgeQueueDepth'
  | 'BridgeStarted';

export function ingestMetric(metricName: IngestMetric, options: MetricOptions = {}): Metric {
  return almanachMetric(metricName, options);
}

export function bridgeMetric(metricName: BridgeMetric, options: MetricOptions = {}): Metric {
  return almanachMetric(metricName, options);
}

function almanachMetric(metricName: string, options: MetricOptions): Metric {
  return new Metric({
    namespace: NAMESPACE,
    metricName,
    dimensionsMap: DIMENSIONS,
    statistic: 'Sum',
    period: Duration.minutes(1),
    ...options,
  });
}
