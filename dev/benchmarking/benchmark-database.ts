import { constants } from 'node:os';
import { MongoClient } from 'mongodb';
import {
  type FerretdbBackend,
  ferretdbOptionsFor,
  startFerretdb,
  testFerretdbOptions,
} from '#dev/ferretdb/server';
import { uniqueDatabaseName } from '#test/helpers/mongo-server';
import { within } from './harness.ts';

/** The MongoDB-compatible server a benchmark runs against, and a database name no other run uses. */
export interface BenchmarkDatabase {
  uri: string;
  database: string;
  /** What served it, for the report's parameters. */
  server: string;
  /**
   * Makes sure the server answers again after a step outlived its time limit: our own FerretDB is
   * restarted (with its data) when it no longer answers `ping`, since a wedged server would fail every later
   * case; MONGODB_URI's server cannot be, so its silence is an error.
   */
  recover(): Promise<void>;
  stop(): Promise<void>;
}

const PING_TIMEOUT_MS = 5_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * MONGODB_URI when set (left running on stop), else a FerretDB of the benchmark's own on loopback, on
 * the machine's PostgreSQL when it answers (as the integration suite runs), stopped and removed on stop —
 * or on SIGINT/SIGTERM (npm run bench's time limit), which would otherwise leave the server running.
 */
export async function startBenchmarkDatabase(
  prefix: string,
  backend?: FerretdbBackend,
): Promise<BenchmarkDatabase> {
  const database = uniqueDatabaseName(prefix);
  const external = process.env.MONGODB_URI;
  if (external) {
    return {
      uri: external,
      database,
      server: 'MONGODB_URI',
      recover: async () => {
        if (!(await answers(external))) throw new Error('the server at MONGODB_URI stopped answering');
      },
      stop: async () => undefined,
    };
  }
  const options = backend ? await ferretdbOptionsFor(backend) : await testFerretdbOptions();
  const ferretdb = await startFerretdb(options);
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void ferretdb.stop().finally(() => process.exit(128 + constants.signals[signal]));
  };
  for (const signal of STOP_SIGNALS) process.once(signal, stopOnSignal);
  return {
    uri: ferretdb.uri,
    database,
    server: `FerretDB on ${options.postgresqlUrl ? 'PostgreSQL' : 'SQLite'}`,
    recover: async () => {
      if (!(await answers(ferretdb.uri))) await ferretdb.restart();
    },
    stop: async () => {
      for (const signal of STOP_SIGNALS) process.off(signal, stopOnSignal);
      await ferretdb.stop();
    },
  };
}

async function answers(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: PING_TIMEOUT_MS,
    socketTimeoutMS: PING_TIMEOUT_MS,
  });
  try {
    await within('ping', 2 * PING_TIMEOUT_MS, client.db('admin').command({ ping: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    await client.close(true).catch(() => undefined);
  }
}
