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
import { cachedEntityCounts, type EntityCounts } from './entity-counts.ts';

/** What route handlers use: the store's read side, the event writers shared with ingest, and settings. */
export interface ApiServices {
  queries: EntityQueries;
  /** GET /info's counts, cached briefly. */
  entityCounts: () => Promise<EntityCounts>;
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
}

export interface ApiServicesOptions {
  store: Store;
  config: ApiConfig;
  logger: Logger;
  metrics: MetricSink;
  now?: () => Date;
}

export function createApiServices({ store, config, logger, metrics, now }: ApiServicesOptions): ApiServices {
  const { collections } = store;
  const queries = new EntityQueries(collections);
  const clock = now ?? (() => new Date());
  return {
    queries,
    entityCounts: cachedEntityCounts(queries, clock),
    entities: new MongoIngestStore(collections),
    volumeTypes: new VolumeTypeRepository(collections),
    writers: ingestContextFor(store, config, metrics),
    mapping: mappingOptionsFrom(config),
    logger,
    now: clock,
    version: packageJson.version,
    maxPageSize: config.API_MAX_PAGE_SIZE,
  };
}
