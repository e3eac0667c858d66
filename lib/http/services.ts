import type { Logger } from '@aws-lambda-powertools/logger';
import type { ApiConfig } from '#config/api-schema';
import { mappingOptionsFrom } from '#config/ingest-settings';
import type { MappingOptions } from '#domain/mapping';
import { ingestContextFor } from '#ingest/compose';
import type { IngestContext } from '#ingest/ingest-batch';
import type { EntityHead } from '#ingest/ports';
import type { MetricSink } from '#observability/ingest-metrics';
import { EntityQueries } from '#store/entity-queries';
import { MongoIngestStore } from '#store/ingest-store';
import type { Store } from '#store/mongo-client';
import { VolumeTypeRepository } from '#store/volume-types';
import packageJson from '../../package.json' with { type: 'json' };

/** What route handlers use: the store's read side, the event writers shared with ingest, and settings. */
export interface ApiServices {
  queries: EntityQueries;
  /** Entity heads as stored: the running version a write applies to. */
  entities: { readHead(entityId: string): Promise<EntityHead | null> };
  volumeTypes: VolumeTypeRepository;
  /** API writes are events: recorded and folded exactly as notifications are. */
  writers: IngestContext;
  mapping: MappingOptions;
  logger: Logger;
  now: () => Date;
  version: string;
  maxPageSize: number;
  /** The largest JSON body an unpaginated list may answer. */
  maxListBytes: number;
}

export interface ApiServicesOptions {
  store: Store;
  config: ApiConfig;
  logger: Logger;
  metrics: MetricSink;
  now?: () => Date;
}

export function createApiServices({ store, config, logger, metrics, now }: ApiServicesOptions): ApiServices {
  const { collections, reads } = store;
  return {
    queries: new EntityQueries(collections, reads),
    entities: new MongoIngestStore(collections, { reads }),
    volumeTypes: new VolumeTypeRepository(collections, undefined, reads),
    writers: ingestContextFor(store, config, metrics),
    mapping: mappingOptionsFrom(config),
    logger,
    now: now ?? (() => new Date()),
    version: packageJson.version,
    maxPageSize: config.API_MAX_PAGE_SIZE,
    maxListBytes: config.API_MAX_LIST_BYTES,
  };
}
