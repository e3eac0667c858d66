import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import type { RulesConfig } from '#config/schema';
import { EntityRepository } from '#store/entity-repository';
import { EventLog } from '#store/event-log';
import type { Store } from '#store/mongo-client';
import { VolumeTypeRepository } from '#store/volume-types';
import { createNotificationIngestor, type IngestNotification } from './ingest-notification.ts';
import type { MetricSink } from './metrics.ts';

/** The same wiring for the Lambda, the local worker and the tests. */
export function createIngestorForStore(
  store: Store,
  config: RulesConfig,
  metrics: MetricSink,
): IngestNotification {
  const { collections } = store;
  return createNotificationIngestor({
    events: new EventLog(collections),
    entities: new EntityRepository(collections),
    volumeTypes: new VolumeTypeRepository(collections),
    mapping: mappingOptionsFrom(config),
    foldSettings: foldSettingsFrom(config),
    onConflict: () => metrics.count('ConcurrencyRetries'),
  });
}
