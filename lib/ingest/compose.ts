import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import type { RulesConfig } from '#config/schema';
import { EntityRepository } from '#store/entity-repository';
import { EventLog } from '#store/event-log';
import type { Store } from '#store/mongo-client';
import { VolumeTypeRepository } from '#store/volume-types';
import {
  createNotificationIngestor,
  type IngestDependencies,
  type IngestNotification,
} from './ingest-notification.ts';
import type { MetricSink } from './metrics.ts';

/** What records events into the store: notifications and the API's writes share it. */
export function ingestDependenciesFor(
  store: Store,
  config: RulesConfig,
  metrics: MetricSink,
): IngestDependencies {
  const { collections } = store;
  return {
    events: new EventLog(collections),
    entities: new EntityRepository(collections),
    volumeTypes: new VolumeTypeRepository(collections),
    mapping: mappingOptionsFrom(config),
    foldSettings: foldSettingsFrom(config),
    onConflict: () => metrics.count('ConcurrencyRetries'),
  };
}

/** The same wiring for the Lambda, the local worker and the tests. */
export function createIngestorForStore(
  store: Store,
  config: RulesConfig,
  metrics: MetricSink,
): IngestNotification {
  return createNotificationIngestor(ingestDependenciesFor(store, config, metrics));
}
