import { MongoClient } from 'mongodb';
import { afterEach, expect, inject, it, vi } from 'vitest';
import { storeConfigSchema } from '#config/schema';
import { openStore } from '#store/mongo-client';

afterEach(() => vi.restoreAllMocks());

it('closes its connection when the store cannot be prepared after connecting, so retries during an outage leak none', async () => {
  const close = vi.spyOn(MongoClient.prototype, 'close');
  // Valid for the config schema, refused by the driver once connected: the failure comes after connect().
  const config = storeConfigSchema.parse({ MONGODB_URI: inject('mongoUri'), MONGODB_DATABASE: 'bad$name' });

  await expect(openStore(config)).rejects.toThrow();

  expect(close).toHaveBeenCalledTimes(1);
});
