import type { Logger } from '@aws-lambda-powertools/logger';
import type { ApiConfig } from '#config/api-schema';
import { mappingOptionsFrom } from '#config/ingest-settings';
import type { TimelineReads, VersionReads, VolumeTypeCatalog } from '#domain/ledger-reads';
import type { MappingOptions } from '#domain/mapping';
import { EMPTY_TIMELINE } from '#domain/timeline';
import { ingestContextFor } from '#ingest/compose';
import type { IngestContext } from '#ingest/ingest-batch';
import type { MetricSink } from '#observability/ingest-metrics';
import { EntityQueries } from '#store/entity-queries';
import { MongoIngestStore } from '#store/ingest-store';
import { openStore, type Store } from '#store/mongo-client';
import { VolumeTypeRepository } from '#store/volume-types';
import packageJson from '../../package.json' with { type: 'json' };
import { cachedEntityCounts, type EntityCounts } from './entity-counts.ts';

/**
 * What route handlers use: the ledger's read ports, the event writers shared with ingest, and settings.
 * This module is where the API meets the store: the one file of lib/http that imports lib/store
 * (test/unit/import-direction.test.ts holds the rest of lib/http to it).
 */
export interface ApiServices {
  queries: VersionReads;
  /** GET /info's counts, cached briefly. */
  entityCounts: () => Promise<EntityCounts>;
  /** The running version a write applies to, as the newest finished write left it. */
  timelines: TimelineReads;
  volumeTypes: VolumeTypeCatalog;
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
  const heads = new MongoIngestStore(collections, { reads });
  const queries = new EntityQueries(collections, reads);
  const clock = now ?? (() => new Date());
  return {
    queries,
    entityCounts: cachedEntityCounts(queries, clock),
    timelines: { timelineOf: async (entityId) => (await heads.readHead(entityId)) ?? EMPTY_TIMELINE },
    volumeTypes: new VolumeTypeRepository(collections, undefined, reads),
    writers: ingestContextFor(store, config, metrics),
    mapping: mappingOptionsFrom(config),
    logger,
    now: clock,
    version: packageJson.version,
    maxPageSize: config.API_MAX_PAGE_SIZE,
    maxListBytes: config.API_MAX_LIST_BYTES,
  };
}

/** A Lambda's services: its own connection, kept small (one request at a time per instance). */
export async function connectApiServices(options: Omit<ApiServicesOptions, 'store'>): Promise<ApiServices> {
  const { config } = options;
  const store = await openStore(config, { maxPoolSize: config.MONGODB_MAX_POOL_SIZE ?? 2 });
  return createApiServices({ ...options, store });
}
