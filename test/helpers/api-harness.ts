import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { type ApiConfig, apiConfigSchema } from '#config/api-schema';
import { loadConfig } from '#config/schema';
import type { TokenValidator } from '#http/auth/token-validator';
import { type ApiServer, startApiServer } from '#http/local-server';
import {
  defaultRules,
  entityCollection,
  ingestorFor,
  openTestStore,
  type TestIngestor,
  type TestStore,
} from './ingest-harness.ts';

/** The local API server on a free 127.0.0.1 port, over a fresh database of the suite's MongoDB. */
export interface TestApi {
  url: string;
  store: TestStore;
  config: ApiConfig;
  /** Notifications into the same store, as the ingest worker would. */
  notifications: TestIngestor;
  call(method: string, path: string, options?: CallOptions): Promise<TestResponse>;
  /** Everything a request could have changed: entity versions, logged events, volume types. */
  snapshot(): Promise<unknown>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** JSON-encoded as the body. */
  body?: unknown;
  /** Sent as is (takes precedence over body). */
  rawBody?: string;
  /** X-Auth-Token; `null` sends none. Default: the configured private key. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export const TOKEN = 'secret';

export async function startTestApi(
  prefix: string,
  env: Record<string, string> = {},
  options: { validator?: TokenValidator; now?: () => Date } = {},
): Promise<TestApi> {
  const store = await openTestStore(prefix);
  const config = loadConfig(apiConfigSchema, {
    MONGODB_URI: 'unused: the test store is already open',
    PORT: '0',
    API_HOST: '127.0.0.1',
    ...env,
  });
  const logger = new Logger({ serviceName: 'almanach-api-test', logLevel: 'SILENT' });
  const server: ApiServer = await startApiServer({ store, config, logger, ...options });
  const notifications = ingestorFor(store, defaultRules());

  return {
    url: server.url,
    store,
    config,
    notifications,
    call: async (method, path, { body, rawBody, token = TOKEN, headers = {} } = {}) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          ...(token !== null && { 'X-Auth-Token': token }),
          ...headers,
        },
        body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: parseJson(text) };
    },
    snapshot: async () => ({
      entities: await entityCollection(store),
      events: await store.collections.events.countDocuments({}),
      volumeTypes: await store.collections.volumeTypes.find({}).sort({ _id: 1 }).toArray(),
    }),
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

const listedSchema = z.array(z.looseObject({ entity_id: z.string() }));

/** The listed versions of one entity, from a list response's JSON body. */
export function versionsIn(json: unknown, entityId: string): Record<string, unknown>[] {
  return listedSchema.parse(json).filter((version) => version.entity_id === entityId);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
