import { MongoClient } from 'mongodb';
import type { StoreConfig } from '#config/schema';
import { type Collections, collectionsOf, ensureIndexes } from './collections.ts';

export interface Store {
  client: MongoClient;
  collections: Collections;
}

/**
 * Connect once per process (a Lambda reuses it across warm invocations) and make sure the indexes exist.
 * A small pool: Lambda concurrency x pool size must stay under the Atlas tier's connection limit.
 */
export async function openStore(config: StoreConfig, options: { maxPoolSize?: number } = {}): Promise<Store> {
  const client = new MongoClient(config.MONGODB_URI, {
    maxPoolSize: options.maxPoolSize ?? 5,
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
  });
  await client.connect();
  const collections = collectionsOf(client.db(config.MONGODB_DATABASE));
  await ensureIndexes(collections);
  return { client, collections };
}
