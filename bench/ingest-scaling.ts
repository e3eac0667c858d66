/**
 * Per-event ingest cost as the store grows, one event at a time (latency, no concurrency), through the
 * ingestor the SQS handler calls:
 *
 * - history: one volume that already has 1, 10, 100, 1,000 events (a create, then resizes, ingested in
 *   order), then K more resizes in order — the incremental path, which must stay flat — and a few late
 *   resizes (older than the newest event), which re-fold the whole history by design;
 * - entities: 10^3 … 10^6 volumes already stored, seeded by bulk inserts of copies of the documents our
 *   own ingest stored for one volume (events, entity version, head), then K creates of new volumes and K
 *   resizes of stored ones. A size whose seeding does not fit the budget is skipped (BENCH_SEED_BUDGET_S
 *   raises it); so are the larger ones when the seeding rate already measured says they cannot fit.
 *
 * Baseline, on the same database in the same run: what the store fundamentally needs per event, a raw
 * driver findOne by entity id plus an insertOne of a version document. "vs smallest" compares each size
 * with the smallest of its case: it is the flatness figure.
 *
 * Never hangs: each event is bounded by the ingest Lambda's 30 s timeout and each measurement by
 * BENCH_PHASE_TIMEOUT_S; one that outlives its limit becomes a "not measured" row naming it, and the run
 * goes on (our own FerretDB restarted first if it stopped answering).
 *
 *   npx tsx bench/ingest-scaling.ts   (BENCH_SCALING_EVENTS=30, BENCH_SCALING_LATE_EVENTS=3,
 *     BENCH_HISTORY_SIZES=1,10,100,1000, BENCH_ENTITY_SIZES=1000,10000,100000,1000000,
 *     BENCH_SEED_BUDGET_S=60, BENCH_PHASE_TIMEOUT_S=120, BENCH_SEED=1; MONGODB_URI to use that server)
 */
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { startBenchmarkDatabase } from '#dev/benchmarking/benchmark-database';
import {
  Deadline,
  envInteger,
  envIntegers,
  forEachConcurrently,
  progress,
  TimeLimitExceededError,
  within,
} from '#dev/benchmarking/harness';
import { type BenchDatabase, CommandCounter, inFreshDatabase } from '#dev/benchmarking/mongo';
import { percentile, publish, type Row, ratio, round } from '#dev/benchmarking/report';
import { volumeCreated, volumeResized, volumeTypeCreated } from '#dev/simulator/cinder';
import { type OsloMessage, rabbitBody } from '#dev/simulator/oslo-envelope';
import { SeededDraws } from '#dev/simulator/random';
import { ingestContextFor } from '#ingest/compose';
import { type IngestReport, type IngestResult, ingestNotification } from '#ingest/ingest-batch';
import { CountingSink } from '#observability/ingest-metrics';
import type { Collections, EntityDocument } from '#store/collections';

const EVENTS = envInteger('BENCH_SCALING_EVENTS', 30);
const LATE_EVENTS = envInteger('BENCH_SCALING_LATE_EVENTS', 3);
const HISTORY_SIZES = envIntegers('BENCH_HISTORY_SIZES', [1, 10, 100, 1_000]);
const ENTITY_SIZES = envIntegers('BENCH_ENTITY_SIZES', [1_000, 10_000, 100_000, 1_000_000]);
const SEED_BUDGET_S = envInteger('BENCH_SEED_BUDGET_S', 60);
const PHASE_TIMEOUT_S = envInteger('BENCH_PHASE_TIMEOUT_S', 120);
const SEED = envInteger('BENCH_SEED', 1);
/** Documents per insertMany, and insertMany calls in flight, while seeding. */
const SEED_CHUNK = 1_000;
const SEED_CONCURRENCY = 4;
/** The ingest Lambda's timeout: an event that takes longer would fail there too. */
const EVENT_TIMEOUT_MS = 30_000;

const PERIOD_START = new Date('2026-01-01T00:00:00Z');
/** Apart by more than Almanach's 60 s volume threshold: every resize closes a version and opens one. */
const STEP_MS = 10 * 60_000;
const VOLUME_TYPE_ID = '5e1f0c3a-7d2b-4c4e-9b1a-0f6d2c8e4a10';

const rules = loadConfig(rulesConfigSchema, {});

type IngestNotification = (body: string) => Promise<IngestReport>;
const draws = new SeededDraws(SEED);
const server = await startBenchmarkDatabase('bench_scaling');
/** Bounds a whole case (seeding and its four measurements), should a step never return. */
const CASE_TIMEOUT_S = SEED_BUDGET_S + 4 * PHASE_TIMEOUT_S;
const counter = new CommandCounter();
const rows: Row[] = [];
let rawWrites = 0;

try {
  await historyScaling();
  await entityScaling();
} finally {
  await server.stop();
}

await publish({
  benchmark: 'ingest-scaling',
  title: 'Ingest cost per event as history and entity count grow, vs raw findOne + insertOne',
  parameters: {
    server: server.server,
    eventsPerMeasure: EVENTS,
    lateEvents: LATE_EVENTS,
    seedBudgetSeconds: SEED_BUDGET_S,
    seed: SEED,
  },
  rows: withFlatness(rows),
});

/** Volume ids and message ids from a counter: seeded copies rename one template's ids to these. */
function entityId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function messageId(n: number): string {
  return `10000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Where the raw baseline writes: ids no event uses. */
function rawId(n: number): string {
  return `20000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function at(step: number): Date {
  return new Date(PERIOD_START.getTime() + step * STEP_MS);
}

interface Measured {
  samples: number[];
  roundTrips: number;
  waitedMs: number;
  breakdown: string;
}

/** Times each event alone; every one must end as `expected`, or the figure would time something else. */
async function measure(
  what: string,
  events: readonly (() => Promise<IngestResult | null>)[],
  expected: IngestResult | null,
): Promise<Measured> {
  const deadline = new Deadline(PHASE_TIMEOUT_S, what);
  const samples: number[] = [];
  const before = counter.snapshot();
  for (const event of events) {
    deadline.check();
    const started = performance.now();
    const result = await event();
    samples.push(performance.now() - started);
    if (result !== expected) throw new Error(`${what}: an event ended ${result}, expected ${expected}`);
  }
  const commands = counter.snapshot().since(before);
  return {
    samples,
    roundTrips: commands.total / events.length,
    waitedMs: commands.totalWaitedMs / events.length,
    breakdown: commands.breakdown(events.length),
  };
}

function ingestMessage(ingest: IngestNotification, message: OsloMessage): () => Promise<IngestResult> {
  const body = rabbitBody(message);
  return async () => (await ingest(body)).result;
}

/**
 * What the store fundamentally needs per event: read the entity, write one version document. The write goes
 * to an id no event uses, so the baseline leaves the entities the next measurements read as they were.
 */
function rawEvents(
  entity: Collections['entity'],
  readIds: readonly string[],
  version: EntityDocument,
): (() => Promise<null>)[] {
  const readAndWrite = async (readId: string) => {
    await entity.findOne({ entity_id: readId });
    const id = rawId(rawWrites++);
    await entity.insertOne({ ...version, _id: `${id}:0`, entity_id: id });
  };
  return readIds.map((readId) => async () => {
    await within('a raw read and write', EVENT_TIMEOUT_MS, readAndWrite(readId));
    return null;
  });
}

function row(
  part: string,
  label: string,
  size: string,
  seedSeconds: number | null,
  ours: Measured,
  raw: Measured,
): Row {
  const median = percentile(ours.samples, 50);
  const rawMedian = percentile(raw.samples, 50);
  return {
    part,
    case: label,
    size,
    'seed s': seedSeconds === null ? null : round(seedSeconds, 1),
    events: ours.samples.length,
    'ours median ms': round(median, 2),
    'ours p90 ms': round(percentile(ours.samples, 90), 2),
    'round trips/event': round(ours.roundTrips, 2),
    'db wait ms/event': round(ours.waitedMs, 2),
    'raw median ms': round(rawMedian, 2),
    'ratio ours/raw': ratio(median, rawMedian),
    'vs smallest': null,
    'commands/event': ours.breakdown,
  };
}

function skipped(part: string, label: string, size: string, note: string): Row {
  return { part, case: label, size, 'seed s': null, events: 0, 'commands/event': note };
}

/** Fills "vs smallest": each row's median over the median of the first measured row of its part and case. */
function withFlatness(all: Row[]): Row[] {
  const smallest = new Map<string, number>();
  return all.map((entry) => {
    const key = `${entry.part}/${entry.case}`;
    const median = entry['ours median ms'];
    if (typeof median !== 'number') return entry;
    const first = smallest.get(key) ?? median;
    smallest.set(key, first);
    return { ...entry, 'vs smallest': ratio(median, first) };
  });
}

/** The ingestor the SQS handler calls, each event bounded by the Lambda's timeout. */
async function openIngest(
  database: BenchDatabase,
): Promise<{ ingest: IngestNotification; collections: Collections }> {
  const store = await database.openStore();
  const context = ingestContextFor(store, rules, new CountingSink());
  const ingest: IngestNotification = (body) =>
    within('one event', EVENT_TIMEOUT_MS, ingestNotification(context, body));
  // Volume types are known before their volumes, as in a running cloud.
  await ingest(rabbitBody(volumeTypeCreated({ volumeTypeId: VOLUME_TYPE_ID, name: 'ssd' })));
  return { ingest, collections: store.collections };
}

function volume(id: string) {
  return { volumeId: id, volumeTypeId: VOLUME_TYPE_ID, createdAt: PERIOD_START, uuid: draws.uuid };
}

/**
 * Measures one row. One that outlives a time limit becomes a row saying which, and the run goes on with
 * the next case on a server that answers again (a wedged FerretDB is restarted).
 */
async function measureRow<T extends { row: Row }>(
  part: string,
  label: string,
  size: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    const measured = await work();
    rows.push(measured.row);
    return measured;
  } catch (error) {
    if (!(error instanceof TimeLimitExceededError)) throw error;
    progress(`${part}, ${label}, ${size}: ${error.message}`);
    rows.push(skipped(part, label, size, `not measured: ${error.message}`));
    await server.recover();
    return undefined;
  }
}

async function historyScaling(): Promise<void> {
  for (const prior of HISTORY_SIZES) {
    const size = `${prior} prior event${prior === 1 ? '' : 's'}`;
    await inFreshDatabase(server, 'bench_history', counter, CASE_TIMEOUT_S, async (database) => {
      const { ingest, collections } = await openIngest(database);
      const id = entityId(0);
      let step = 0;
      const nextResize = () => {
        step++;
        return volumeResized({ ...volume(id), size: 10 + step, timestamp: at(step) });
      };
      const inOrder = await measureRow('history', 'in order', size, async () => {
        const seeding = new Deadline(SEED_BUDGET_S, `seeding ${prior} events`);
        const seedStarted = performance.now();
        await ingest(rabbitBody(volumeCreated({ ...volume(id), timestamp: at(0) })));
        for (let n = 1; n < prior; n++) {
          seeding.check();
          await ingest(rabbitBody(nextResize()));
        }
        const seedSeconds = (performance.now() - seedStarted) / 1_000;
        progress(`history: ${prior} events seeded in ${seedSeconds.toFixed(1)} s`);
        const [template] = await collections.entity.find({ entity_id: id }).limit(1).toArray();
        if (!template) throw new Error('the seeded volume has no version');

        const events = Array.from({ length: EVENTS }, () => ingestMessage(ingest, nextResize()));
        const ours = await measure(`${EVENTS} in-order events after ${prior}`, events, 'applied');
        const raw = await measure(
          `raw after ${prior}`,
          rawEvents(collections.entity, Array(EVENTS).fill(id), template),
          null,
        );
        return { seedSeconds, raw, row: row('history', 'in order', size, seedSeconds, ours, raw) };
      });
      if (!inOrder) return;

      // Between the create and the first resize, so each is older than the newest event and changes the
      // history; they come after the in-order events above, so the history is then EVENTS events longer.
      await measureRow('history', 'late (re-fold)', size, async () => {
        const late = Array.from({ length: LATE_EVENTS }, (_, n) =>
          ingestMessage(
            ingest,
            volumeResized({ ...volume(id), size: 5 + n, timestamp: at((n + 1) / (LATE_EVENTS + 1)) }),
          ),
        );
        const refold = await measure(`${LATE_EVENTS} late events after ${prior}`, late, 'applied');
        return { row: row('history', 'late (re-fold)', size, inOrder.seedSeconds, refold, inOrder.raw) };
      });
      progress(`history: ${prior} prior events measured`);
    });
  }
}

async function entityScaling(): Promise<void> {
  let seedRate: number | undefined;
  for (const count of ENTITY_SIZES) {
    const exponent = Math.log10(count);
    const size = `${Number.isInteger(exponent) ? `10^${exponent}` : count} entities`;
    const documents = count * 3;
    if (seedRate && documents / seedRate > SEED_BUDGET_S) {
      const estimate = `~${Math.round(documents / seedRate)} s at ${Math.round(seedRate)} docs/s`;
      for (const label of ['new entity', 'existing entity'])
        rows.push(
          skipped('entities', label, size, `skipped: seeding exceeded ${SEED_BUDGET_S} s (${estimate})`),
        );
      continue;
    }
    await inFreshDatabase(server, 'bench_entities', counter, CASE_TIMEOUT_S, async (database) => {
      const { ingest, collections } = await openIngest(database);
      const started = performance.now();
      const seeded = await seedVolumes(collections, ingest, count);
      const seedSeconds = (performance.now() - started) / 1_000;
      seedRate = seeded.documents / seedSeconds;
      progress(`entities: ${seeded.documents} documents seeded in ${seedSeconds.toFixed(1)} s`);
      if (!seeded.complete) {
        const note = `skipped: seeding exceeded ${SEED_BUDGET_S} s (${seeded.documents} docs)`;
        for (const label of ['new entity', 'existing entity'])
          rows.push(skipped('entities', label, size, note));
        return;
      }
      await measureRow('entities', 'new entity', size, async () => {
        const created = Array.from({ length: EVENTS }, (_, n) =>
          ingestMessage(ingest, volumeCreated({ ...volume(entityId(count + n)), timestamp: at(0) })),
        );
        const ours = await measure(`${EVENTS} new volumes among ${count}`, created, 'applied');
        const unknown = Array.from({ length: EVENTS }, (_, n) => entityId(count + EVENTS + n));
        const raw = await measure(
          `raw new among ${count}`,
          rawEvents(collections.entity, unknown, seeded.version),
          null,
        );
        return { row: row('entities', 'new entity', size, seedSeconds, ours, raw) };
      });
      await measureRow('entities', 'existing entity', size, async () => {
        const existing = distinctPicks(count, EVENTS);
        const resized = existing.map((n) =>
          ingestMessage(ingest, volumeResized({ ...volume(entityId(n)), size: 20, timestamp: at(1) })),
        );
        const ours = await measure(`${EVENTS} resizes among ${count}`, resized, 'applied');
        const raw = await measure(
          `raw existing among ${count}`,
          rawEvents(collections.entity, existing.map(entityId), seeded.version),
          null,
        );
        return { row: row('entities', 'existing entity', size, seedSeconds, ours, raw) };
      });
      progress(`entities: ${count} measured`);
    });
  }
}

function distinctPicks(below: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, below)) picked.add(draws.integer(0, below - 1));
  return [...picked];
}

/**
 * `count` volumes, each created once: volume 0 through our ingest, the others as copies of the documents
 * it stored with the ids renamed, inserted in bulk. Stops at the seeding budget.
 */
async function seedVolumes(
  collections: Collections,
  ingest: IngestNotification,
  count: number,
): Promise<{ complete: boolean; documents: number; version: EntityDocument }> {
  const templateId = entityId(0);
  const templateMessage = messageId(0);
  await ingest(
    rabbitBody(volumeCreated({ ...volume(templateId), messageId: templateMessage, timestamp: at(0) })),
  );
  const [event, ...moreEvents] = await collections.events.find({ _id: templateMessage }).toArray();
  const [version, ...moreVersions] = await collections.entity.find({ entity_id: templateId }).toArray();
  // Its claim and the marker that it is done: what our store keeps of an entity written once.
  const heads = await collections.heads.find({ entity_id: templateId }).toArray();
  if (!event || !version || heads.length !== 2 || moreEvents.length + moreVersions.length > 0)
    throw new Error('the template volume was not stored as one event, one version and one finished head');

  const deadline = new Deadline(SEED_BUDGET_S, `seeding ${count} volumes`);
  const firsts = Array.from({ length: Math.ceil((count - 1) / SEED_CHUNK) }, (_, n) => 1 + n * SEED_CHUNK);
  let documents = 4;
  await forEachConcurrently(firsts, SEED_CONCURRENCY, async (first) => {
    if (deadline.passed) return;
    const last = Math.min(count, first + SEED_CHUNK);
    const rename = (n: number) => (text: string) =>
      text.replaceAll(templateId, entityId(n)).replaceAll(templateMessage, messageId(n));
    const copies = <T extends object>(template: T): T[] =>
      Array.from({ length: last - first }, (_, offset) => renamed(template, rename(first + offset)));
    await Promise.all([
      collections.events.insertMany(copies(event), { ordered: false }),
      collections.entity.insertMany(copies(version), { ordered: false }),
      collections.heads.insertMany(heads.flatMap(copies), { ordered: false }),
    ]);
    documents += 4 * (last - first);
  });
  return { complete: documents === count * 4, documents, version };
}

/** A deep copy with every string renamed; dates and numbers kept as they are, so the shape is T's. */
function renamed<T extends object>(document: T, rename: (text: string) => string): T {
  const copy = (value: unknown): unknown => {
    if (typeof value === 'string') return rename(value);
    if (Array.isArray(value)) return value.map(copy);
    if (value !== null && typeof value === 'object' && !(value instanceof Date))
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copy(inner)]));
    return value;
  };
  return copy(document) as T;
}
