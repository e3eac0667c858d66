import { Logger } from '@aws-lambda-powertools/logger';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { apiConfigSchema } from '#config/api-schema';
import { loadConfig } from '#config/schema';
import { DEFAULTS } from '#dev/simulator/defaults';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { startApiServer } from '#http/local-server';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { collectionsOf } from '#store/collections';
import type { Store } from '#store/mongo-client';
import { ingestorFor, openTestStore, type TestStore } from '#test/helpers/ingest-harness';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-records';

/**
 * Everything the API server and the ingest handler log (Powertools writes to process.stdout; anything
 * else may use console), captured through requests with right and wrong tokens, refusals and store
 * failures: no token, password or MongoDB URI ever appears in it.
 */
const TOKEN = 'configured-token-7f3a9c';
const WRONG_TOKENS = ['wrong-token-b81e44', TOKEN.toUpperCase(), `${TOKEN}-suffix`];
const KEYSTONE_PASSWORD = 'keystone-password-5d20e1';
// Credentials in a URI nobody listens on: the store failures it causes must not print it.
const UNREACHABLE_URI = 'mongodb://almanach:mongo-password-c4d1@127.0.0.1:9/almanach?authSource=admin';

let captured = '';
const capture = (chunk: unknown): boolean => {
  captured +=
    typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
  return true;
};

let store: TestStore;
let unreachable: Store;

beforeAll(async () => {
  store = await openTestStore('secrets_in_logs');
  const client = new MongoClient(UNREACHABLE_URI, { serverSelectionTimeoutMS: 300 });
  unreachable = { client, collections: collectionsOf(client.db('almanach')) };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) =>
      capture(`${args.map(String).join(' ')}\n`),
    );
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  await unreachable.client.close();
  await store.close();
});

const verboseLogger = () => new Logger({ serviceName: 'almanach', logLevel: 'DEBUG' });

async function runApi(apiStore: Store, requests: (url: string) => Promise<void>): Promise<void> {
  const config = loadConfig(apiConfigSchema, {
    MONGODB_URI: apiStore === store ? inject('mongoUri') : UNREACHABLE_URI,
    PORT: '0',
    ALMANACH_AUTH_TOKEN: TOKEN,
    // Keystone unreachable: every token the private key refuses is also tried there, and fails.
    AUTH_STRATEGY: 'private_key,keystone',
    KEYSTONE_URL: 'http://127.0.0.1:9/v3',
    KEYSTONE_USERNAME: 'almanach',
    KEYSTONE_PASSWORD,
    KEYSTONE_TIMEOUT_MS: '500',
  });
  const server = await startApiServer({ store: apiStore, config, logger: verboseLogger() });
  try {
    await requests(server.url);
  } finally {
    await server.close();
  }
}

async function send(url: string, method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: token === undefined ? {} : { 'X-Auth-Token': token },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  await response.arrayBuffer();
  return response.status;
}

const PERIOD = 'start=2016-01-01%2000:00:00.000';

describe('secrets in logs', () => {
  beforeAll(async () => {
    await runApi(store, async (url) => {
      for (const token of [TOKEN, ...WRONG_TOKENS, undefined]) {
        await send(url, 'GET', `/v1/project/p/entities?${PERIOD}`, token);
        await send(url, 'POST', '/v1/volume_type', token, { type_id: `t-${token}`, type_name: 'n' });
        await send(url, 'POST', '/v1/volume_type', token, '{"type_id": ');
        await send(url, 'GET', '/v1/project/p/entities?start=yesterday', token);
      }
    });
    // Every request fails in the store: 500s, with the driver's error in the log.
    await runApi(unreachable, async (url) => {
      expect(await send(url, 'GET', `/v1/project/p/entities?${PERIOD}`, TOKEN)).toBe(500);
      expect(await send(url, 'POST', '/v1/volume_type', TOKEN, { type_id: 't', type_name: 'n' })).toBe(500);
    });

    const logger = verboseLogger();
    const bodies = [
      rabbitBody(instanceCreated({ instanceId: 'logged-instance' })),
      'not JSON',
      rabbitBody({ ...instanceCreated(), timestamp: 'yesterday' }),
    ];
    for (const ingestStore of [store, unreachable]) {
      const { context, metrics } = ingestorFor(ingestStore);
      const handler = createSqsIngestHandler({ ingest: context, logger, metrics });
      await handler(sqsEvent(bodies), lambdaContext).catch(() => undefined);
    }
  });

  it('captured the log output of the run', () => {
    expect(captured).toContain('request refused');
    expect(captured).toContain('request failed');
    expect(captured).toContain('malformed notification');
    expect(captured).toContain('notification not stored');
  });

  it('never logs the configured token', () => {
    expect(captured).not.toContain(TOKEN);
  });

  it.each(WRONG_TOKENS)('never logs the wrong token %s', (token) => {
    expect(captured).not.toContain(token);
  });

  it('never logs the MongoDB URI or its password', () => {
    expect(captured).not.toContain(inject('mongoUri'));
    expect(captured).not.toContain(UNREACHABLE_URI);
    expect(captured).not.toContain('mongo-password-c4d1');
  });

  it('never logs the Keystone service password', () => {
    expect(captured).not.toContain(KEYSTONE_PASSWORD);
  });

  it("never logs the caller's token that notifications carry in their context", () => {
    expect(captured).not.toContain(DEFAULTS.authToken);
  });
});
