/**
 * Ingest throughput: notifications per second through the ingest Lambda's own handler (the SQS batch
 * handler, fed SQS events of BATCH_SIZE records as the event source mapping delivers them) into the MongoDB
 * server, for a realistic stream (simulateCloud) delivered in order, and shuffled with 10% delivered twice.
 * CONCURRENCY handlers run at once, each with a store and a client of its own, as that many Lambda instances
 * would (so what one knows of an entity's head, another must read): 5 by default, the number of concurrent
 * batches an SQS event source mapping starts with before it scales up. Each row runs on each FerretDB backend
 * (SQLite, what `npm start` uses; PostgreSQL) or on MONGODB_URI.
 *
 * Baselines, measured in the same run on the same server: the very documents our ingest stored (copied
 * from its database) written into a fresh database with the same indexes by the raw driver, with the same
 * concurrency: as `insertMany` of the documents one batch stored (the same batch size as ours), as
 * `insertMany` of 1,000 documents (the ceiling: bulk, no reads) and as one `insertOne` per document (one
 * round trip each). `notif-eq/s` is notifications divided by the time the raw writes took. Round trips are
 * the commands the driver sent (CommandStartedEvent), per notification.
 *
 *   npx tsx bench/ingest.ts    (BENCH_INGEST_NOTIFICATIONS=3000, BENCH_INGEST_CONCURRENCY=5,
 *     BENCH_INGEST_BATCH_SIZES=10,100, BENCH_BACKENDS=sqlite,postgresql, BENCH_SEED=1,
 *     BENCH_PHASE_TIMEOUT_S=150; MONGODB_URI to use that server instead of FerretDB)
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Db, Document } from 'mongodb';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { type BenchmarkDatabase, startBenchmarkDatabase } from '#dev/benchmarking/benchmark-database';
import {
  chunks,
  Deadline,
  envInteger,
  envIntegers,
  forEachConcurrently,
  progress,
} from '#dev/benchmarking/harness';
import { type BenchDatabase, CommandCounter, inFreshDatabase } from '#dev/benchmarking/mongo';
import { publish, type Row, ratio, round } from '#dev/benchmarking/report';
import type { FerretdbBackend } from '#dev/ferretdb/server';
import { simulateCloud } from '#dev/simulator/cloud';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { SeededDraws, shuffled } from '#dev/simulator/random';
import { ingestContextFor } from '#ingest/compose';
import { createSqsIngestHandler, type SqsIngestHandler } from '#ingest/sqs-batch-handler';
import { CountingSink } from '#observability/ingest-metrics';
import { collectionsOf } from '#store/collections';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-records';

const NOTIFICATIONS = envInteger('BENCH_INGEST_NOTIFICATIONS', 3_000);
const CONCURRENCY = envInteger('BENCH_INGEST_CONCURRENCY', 5);
/** The event source mapping's default (and the bridge's SendMessageBatch), and the batch size we deploy. */
const BATCH_SIZES = envIntegers('BENCH_INGEST_BATCH_SIZES', [10, 100]);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgresql').split(',') as FerretdbBackend[];
const SEED = envInteger('BENCH_SEED', 1);
const PHASE_TIMEOUT_S = envInteger('BENCH_PHASE_TIMEOUT_S', 150);
const RAW_CHUNK = 1_000;
/** simulateCloud gives about 68 notifications per project with 10 instances and 8 volumes each. */
const NOTIFICATIONS_PER_PROJECT = 60;
const DUPLICATED_SHARE = 0.1;

const rules = loadConfig(rulesConfigSchema, {});
const logger = new Logger({ serviceName: 'almanach', logLevel: 'SILENT' });
const inOrder = realisticStream(NOTIFICATIONS);
const counter = new CommandCounter();
const rows: Row[] = [];
const servers: string[] = [];

for (const backend of process.env.MONGODB_URI ? [undefined] : BACKENDS) {
  const server = await startBenchmarkDatabase('bench_ingest', backend);
  servers.push(server.server);
  try {
    for (const batchSize of BATCH_SIZES) {
      for (const [label, bodies] of [
        ['in order', inOrder],
        [`shuffled + ${DUPLICATED_SHARE * 100}% twice (seed ${SEED})`, shuffledWithDuplicates(inOrder)],
      ] as const) {
        rows.push(await runCase(server, batchSize, label, bodies));
      }
    }
  } finally {
    await server.stop();
  }
}

await publish({
  benchmark: 'ingest',
  title: 'Ingest throughput: SQS batch handler -> MongoDB, vs raw driver writes of the same documents',
  parameters: {
    servers: servers.join(', '),
    notifications: inOrder.length,
    batchSizes: BATCH_SIZES.join(', '),
    concurrency: CONCURRENCY,
    rawInsertManyChunk: RAW_CHUNK,
    seed: SEED,
  },
  rows,
});

/** The first `count` notifications of a simulated cloud's month, as the bridge puts them on SQS. */
function realisticStream(count: number): string[] {
  const cloud = simulateCloud({
    seed: SEED,
    projects: Math.max(1, Math.ceil(count / NOTIFICATIONS_PER_PROJECT)),
    instancesPerProject: 10,
    volumesPerProject: 8,
    start: new Date('2026-01-01T00:00:00Z'),
    days: 30,
  });
  return cloud.notifications.slice(0, count).map((notification) => rabbitBody(notification.message));
}

/** The stream shuffled, with a share of it delivered a second time (SQS's at-least-once, replays). */
function shuffledWithDuplicates(bodies: readonly string[]): string[] {
  const draws = new SeededDraws(SEED);
  const again = bodies.filter(() => draws.chance(DUPLICATED_SHARE));
  return shuffled([...bodies, ...again], SEED);
}

async function runCase(
  server: BenchmarkDatabase,
  batchSize: number,
  label: string,
  bodies: readonly string[],
) {
  return inFreshDatabase(server, 'bench_ingest', counter, 4 * PHASE_TIMEOUT_S, async (database) => {
    const ours = await ingestThroughHandlers(label, database, batchSize, bodies);
    progress(
      `${server.server}, batch ${batchSize}, ${label}: ${bodies.length} in ${ours.seconds.toFixed(1)} s`,
    );
    const stored = await storedDocuments(database.db);
    const documents = [...stored.values()].reduce((total, list) => total + list.length, 0);
    // What one batch of ours stored, on average: the baseline writes that much per insertMany.
    const perBatch = Math.max(1, Math.round((documents / bodies.length) * batchSize));
    const batched = await rawWrites(server, 'batch', stored, perBatch, (db, { collection, documents }) =>
      db.collection(collection).insertMany(documents),
    );
    const bulk = await rawWrites(server, 'insertMany', stored, RAW_CHUNK, (db, { collection, documents }) =>
      db.collection(collection).insertMany(documents),
    );
    // One document per write: each is one insertOne, one round trip.
    const single = await rawWrites(server, 'insertOne', stored, 1, async (db, { collection, documents }) => {
      for (const document of documents) await db.collection(collection).insertOne(document);
    });
    const perSecond = bodies.length / ours.seconds;
    const batchedPerSecond = bodies.length / batched.seconds;
    const bulkPerSecond = bodies.length / bulk.seconds;
    const singlePerSecond = bodies.length / single.seconds;
    return {
      server: server.server,
      'batch size': batchSize,
      case: label,
      notifications: bodies.length,
      seconds: round(ours.seconds, 2),
      'ours notif/s': round(perSecond),
      'round trips/notif': round(ours.commands.total / bodies.length, 2),
      'db wait ms/notif': round(ours.commands.totalWaitedMs / bodies.length, 2),
      'worker ms/notif': round((ours.seconds * 1_000 * CONCURRENCY) / bodies.length, 2),
      late: ours.metrics.get('LateEvents'),
      duplicates: ours.metrics.get('Duplicates'),
      'conflict retries': ours.metrics.get('ConcurrencyRetries'),
      failed: ours.failed,
      'docs stored': documents,
      'raw batch insertMany notif-eq/s': round(batchedPerSecond),
      'ratio vs batch insertMany': ratio(perSecond, batchedPerSecond),
      'raw insertMany docs/s': round(bulk.documents / bulk.seconds),
      'raw insertMany notif-eq/s': round(bulkPerSecond),
      'ratio vs insertMany': ratio(perSecond, bulkPerSecond),
      'raw insertOne notif-eq/s': round(singlePerSecond),
      'ratio vs insertOne': ratio(perSecond, singlePerSecond),
      'commands/notif': ours.commands.breakdown(bodies.length),
    };
  });
}

async function ingestThroughHandlers(
  label: string,
  database: BenchDatabase,
  batchSize: number,
  bodies: readonly string[],
) {
  const metrics = new CountingSink();
  // One handler per simulated Lambda instance, each with the store (and its knowledge) of its own.
  const handlers: SqsIngestHandler[] = [];
  for (let n = 0; n < CONCURRENCY; n++) {
    const store = await database.openStore();
    handlers.push(
      createSqsIngestHandler({ ingest: ingestContextFor(store, rules, metrics), logger, metrics }),
    );
  }
  const deadline = new Deadline(PHASE_TIMEOUT_S, `ingesting ${bodies.length} notifications ${label}`);
  let failed = 0;
  const before = counter.snapshot();
  const started = performance.now();
  await forEachConcurrently(chunks(bodies, batchSize), handlers, async (batch, handler) => {
    deadline.check();
    const response = await handler(sqsEvent(batch), lambdaContext);
    failed += response.batchItemFailures.length;
  });
  const seconds = (performance.now() - started) / 1_000;
  return { seconds, commands: counter.snapshot().since(before), metrics, failed };
}

type StoredDocuments = Map<string, Document[]>;

/** Every document of every collection of the store, by collection name. */
async function storedDocuments(db: Db): Promise<StoredDocuments> {
  const stored: StoredDocuments = new Map();
  for (const { collectionName } of Object.values(collectionsOf(db)))
    stored.set(collectionName, await db.collection(collectionName).find({}).toArray());
  return stored;
}

/** Documents of one collection that one raw command writes. */
interface RawWrite {
  collection: string;
  documents: Document[];
}

/**
 * Writes `stored` into a fresh database, `perWrite` documents per command, through CONCURRENCY clients
 * each taking the next write from one list.
 */
async function rawWrites(
  server: BenchmarkDatabase,
  label: string,
  stored: StoredDocuments,
  perWrite: number,
  write: (db: Db, raw: RawWrite) => Promise<unknown>,
): Promise<{ seconds: number; documents: number }> {
  const writes = [...stored].flatMap(([collection, documents]) =>
    chunks(documents, perWrite).map((chunk) => ({ collection, documents: chunk })),
  );
  return inFreshDatabase(server, `bench_raw_${label}`, counter, PHASE_TIMEOUT_S, async (database) => {
    const dbs: Db[] = [];
    for (let n = 0; n < CONCURRENCY; n++) {
      const store = await database.openStore();
      dbs.push(store.client.db(database.db.databaseName));
    }
    const deadline = new Deadline(PHASE_TIMEOUT_S, `raw ${label} of ${writes.length} writes`);
    const started = performance.now();
    await forEachConcurrently(writes, dbs, async (raw, db) => {
      deadline.check();
      await write(db, raw);
    });
    const seconds = (performance.now() - started) / 1_000;
    const documents = [...stored.values()].reduce((total, documents) => total + documents.length, 0);
    return { seconds, documents };
  });
}
