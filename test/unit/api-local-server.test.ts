import { Logger } from '@aws-lambda-powertools/logger';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { apiConfigSchema } from '#config/api-schema';
import { ConfigError, loadConfig } from '#config/schema';
import { startApiServer } from '#http/local-server';
import { collectionsOf } from '#store/collections';

/** Start-up checks only: the client below never connects. */
const client = new MongoClient('mongodb://127.0.0.1:9/never-used');
const store = { client, collections: collectionsOf(client.db('never-used')) };
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

afterAll(async () => {
  await client.close();
});

const start = (env: Record<string, string>) =>
  startApiServer({
    store,
    logger,
    config: loadConfig(apiConfigSchema, { MONGODB_URI: 'mongodb://127.0.0.1:9', PORT: '0', ...env }),
  });

describe('the local API server', () => {
  it.each(['0.0.0.0', '::', '10.1.2.3', 'api.example.net'])(
    "refuses to listen on %s with the default key 'secret'",
    async (host) => {
      const refused = start({ API_HOST: host });
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      await expect(refused).rejects.toThrow(/ALMANACH_AUTH_TOKEN.*default key/);
    },
  );

  it('refuses the default key among rotated keys when not on loopback', async () => {
    await expect(start({ API_HOST: '0.0.0.0', ALMANACH_AUTH_TOKEN: 'a-real-key\nsecret' })).rejects.toThrow(
      ConfigError,
    );
  });

  it("listens on loopback with the default key 'secret'", async () => {
    const server = await start({ API_HOST: '127.0.0.1' });
    await server.close();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
