import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import type { RulesConfig } from '#config/schema';
import type { MetricSink } from '#observability/ingest-metrics';
import { MongoIngestStore } from '#store/ingest-store';
import type { Store } from '#store/mongo-client';
import { StoreUnavailableError } from '#store/transient-errors';
import type { IngestContext } from './ingest-batch.ts';
import type { IngestPorts } from './ports.ts';

/** The same wiring for the Lambda, the local worker, the API's writes and the tests. */
export function ingestContextFor(store: Store, config: RulesConfig, metrics: MetricSink): IngestContext {
  return {
    ports: portsOf(store, metrics),
    mapping: mappingOptionsFrom(config),
    foldSettings: foldSettingsFrom(config),
  };
}

/**
 * The same, with the store opened at its first use, once, and again at the next use after a failed
 * attempt. A consumer started during an outage then fails its batches with StoreUnavailableError, which
 * the handler treats as the outage it is (the batch is retried later), instead of failing its start and
 * leaving the whole batch to the queue's receive budget.
 */
export function ingestContextOpening(
  open: () => Promise<Store>,
  config: RulesConfig,
  metrics: MetricSink,
): IngestContext {
  let opening: Promise<IngestPorts> | undefined;
  const ports = (): Promise<IngestPorts> => {
    opening ??= open().then(
      (store) => portsOf(store, metrics),
      (error: unknown) => {
        opening = undefined;
        throw new StoreUnavailableError(error);
      },
    );
    return opening;
  };
  return {
    ports: {
      appendEvents: async (entries) => (await ports()).appendEvents(entries),
      writeEntities: async (planners) => (await ports()).writeEntities(planners),
      volumeTypeNames: async (ids, options) => (await ports()).volumeTypeNames(ids, options),
      saveVolumeTypes: async (types) => (await ports()).saveVolumeTypes(types),
      volumesOfType: async (volumeTypeId) => (await ports()).volumesOfType(volumeTypeId),
    },
    mapping: mappingOptionsFrom(config),
    foldSettings: foldSettingsFrom(config),
  };
}

function portsOf(store: Store, metrics: MetricSink): IngestPorts {
  return new MongoIngestStore(store.collections, {
    onConflict: () => metrics.count('ConcurrencyRetries'),
    reads: store.reads,
  });
}
