import { MongoClient } from 'mongodb';
import type { StoreConfig } from '#config/schema';
import { type Collections, collectionsOf, ensureIndexes } from './collections.ts';
import type { ReadOptions } from './read-options.ts';

export interface Store {
  client: MongoClient;
  collections: Collections;
  /** The bound of every read (absent: the default one). */
  reads?: ReadOptions;
}

/**
 * Connect once per process (a Lambda reuses it across warm invocations) and make sure the indexes exist.
 * A small pool: Lambda concurrency x pool size must stay under the Atlas tier's connection limit.
 *
 * Every wait is bounded below the function timeout, so a hung server fails the operation rather than the
 * function: finding a server by the server selection timeout; opening a connection, a silent one and the
 * wait for a free one by the socket timeout. The driver's `timeoutMS` is not used: driver 6.22
 * warns that it has no effect.
 */
export async function openStore(config: StoreConfig, options: { maxPoolSize?: number } = {}): Promise<Store> {
  const client = new MongoClient(config.MONGODB_URI, {
    maxPoolSize: options.maxPoolSize ?? 5,
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: config.MONGODB_SOCKET_TIMEOUT_MS,
    socketTimeoutMS: config.MONGODB_SOCKET_TIMEOUT_MS,
    waitQueueTimeoutMS: config.MONGODB_SOCKET_TIMEOUT_MS,
  });
  try {
    await client.connect();
    const collections = collectionsOf(client.db(config.MONGODB_DATABASE));
    await ensureIndexes(collections);
    return { client, collections, reads: { maxTimeMS: config.MONGODB_MAX_TIME_MS } };
  } catch (error) {
    // The ingest opens the store again at each batch of an outage: a failed attempt must not keep its pool.
    await client.close().catch(() => undefined);
    throw error;
  }
}
