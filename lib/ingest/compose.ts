import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import type { RulesConfig } from '#config/schema';
import type { MetricSink } from '#observability/ingest-metrics';
import { MongoIngestStore } from '#store/ingest-store';
import type { Store } from '#store/mongo-client';
import type { IngestContext } from './ingest-batch.ts';

/** The same wiring for the Lambda, the local worker, the API's writes and the tests. */
export function ingestContextFor(store: Store, config: RulesConfig, metrics: MetricSink): IngestContext {
  return {
    ports: new MongoIngestStore(store.collections, {
      onConflict: () => metrics.count('ConcurrencyRetries'),
      reads: store.reads,
    }),
    mapping: mappingOptionsFrom(config),
    foldSettings: foldSettingsFrom(config),
  };
}
