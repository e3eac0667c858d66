import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Bridge, BridgeCounters } from './bridge.ts';

type Totals = Pick<BridgeCounters, 'forwarded' | 'retried' | 'failed' | 'deadLettered' | 'reconnects'>;

const METRIC_NAMES: Record<keyof Totals, string> = {
  forwarded: 'BridgeForwarded',
  retried: 'BridgeRetried',
  failed: 'BridgeFailed',
  deadLettered: 'BridgeDeadLettered',
  reconnects: 'BridgeReconnects',
};

/**
 * One `BridgeStarted` data point per process start, published at once: a task that keeps being replaced
 * (a flapping health check, a crash loop) shows as several starts in minutes while RunningTaskCount stays 1.
 */
export function reportStart(metrics: Metrics): void {
  metrics.addMetric('BridgeStarted', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/**
 * Every `intervalMs`: the counters' increase since the last report and the gauges (in flight, queue depth
 * as the lag) as CloudWatch metrics (EMF on stdout, which the container's log driver ships), and one log
 * line with the totals. Returns the function that stops it.
 */
export function startMetricsReporter(
  bridge: Bridge,
  { metrics, logger, intervalMs }: { metrics: Metrics; logger: Logger; intervalMs: number },
): () => void {
  if (intervalMs <= 0) return () => undefined;
  let previous: Totals = { forwarded: 0, retried: 0, failed: 0, deadLettered: 0, reconnects: 0 };

  const report = async () => {
    const queueDepth = await bridge.sampleQueueDepth();
    const { counters, connection, sqs } = bridge.status();
    for (const key of Object.keys(METRIC_NAMES) as (keyof Totals)[]) {
      metrics.addMetric(METRIC_NAMES[key], MetricUnit.Count, counters[key] - previous[key]);
    }
    metrics.addMetric('BridgeInFlight', MetricUnit.Count, counters.inFlight);
    if (queueDepth !== undefined) metrics.addMetric('BridgeQueueDepth', MetricUnit.Count, queueDepth);
    metrics.publishStoredMetrics();
    previous = { ...counters };
    logger.info('bridge counters', { connection, sqs, queueDepth, ...counters });
  };

  const timer = setInterval(() => {
    report().catch((error: unknown) => logger.warn('could not report metrics', { error: String(error) }));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
