import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const INGEST_METRICS = [
  'EventsApplied',
  'EventsUnchanged',
  'EventsIgnored',
  'EventsOrphaned',
  'Duplicates',
  'UnhandledEventTypes',
  'VolumeTypesRecorded',
  'LateEvents',
  'MalformedNotifications',
  'FailedNotifications',
  'ConcurrencyRetries',
] as const;

export type IngestMetric = (typeof INGEST_METRICS)[number];

export interface MetricSink {
  count(metric: IngestMetric, value?: number): void;
}

/** CloudWatch (EMF) in Lambda. */
export function powertoolsSink(metrics: Metrics): MetricSink {
  return { count: (metric, value = 1) => metrics.addMetric(metric, MetricUnit.Count, value) };
}

/** In-process totals: the local worker's status and the tests read them. */
export class CountingSink implements MetricSink {
  readonly totals = new Map<IngestMetric, number>();

  count(metric: IngestMetric, value = 1): void {
    this.totals.set(metric, (this.totals.get(metric) ?? 0) + value);
  }

  get(metric: IngestMetric): number {
    return this.totals.get(metric) ?? 0;
  }
}

export function fanOut(...sinks: MetricSink[]): MetricSink {
  return {
    count: (metric, value) => {
      for (const sink of sinks) sink.count(metric, value);
    },
  };
}
