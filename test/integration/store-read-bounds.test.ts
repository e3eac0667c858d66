import { randomUUID } from 'node:crypto';
import { type CommandStartedEvent, MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { volumeCreated, volumeTypeCreated } from '#dev/simulator/cinder';
import { instanceCreated } from '#dev/simulator/nova';
import { collectionsOf } from '#store/collections';
import { EntityQueries } from '#store/entity-queries';
import { VolumeTypeRepository } from '#store/volume-types';
import { ingestorFor } from '#test/helpers/ingest-harness';
import { uniqueDatabaseName } from '#test/helpers/mongo-server';

const READS = { maxTimeMS: 4321 };
const database = uniqueDatabaseName('store_read_bounds');
const client = new MongoClient(inject('mongoUri'), { monitorCommands: true });
const collections = collectionsOf(client.db(database));
const commands: CommandStartedEvent[] = [];
const project = randomUUID();
const volumeType = randomUUID();
const day = new Date(Date.UTC(2016, 0, 2));
const period = {
  projectId: project,
  start: new Date(Date.UTC(2016, 0, 1)),
  end: new Date(Date.UTC(2016, 1, 1)),
};

beforeAll(async () => {
  client.on('commandStarted', (event) => commands.push(event));
  const store = { client, collections, reads: READS };
  // Ingest reads heads, event histories and volume types; a type named after its volume re-reads the volume.
  await ingestorFor(store).ingestAll([
    instanceCreated({ tenantId: project, createdAt: day }),
    volumeCreated({ tenantId: project, volumeTypeId: volumeType, createdAt: day }),
    volumeTypeCreated({ volumeTypeId: volumeType, name: 'ssd' }),
  ]);
  const queries = new EntityQueries(collections, READS);
  await queries.overlapping(period);
  await queries.overlapping(period, { limit: 1 });
  for await (const _ of queries.eachOverlapping(period)) break;
  const { projectIds } = await queries.projectsOverlapping(period.start, period.end, { limit: 10 });
  await queries.overlappingForProjects(projectIds, period.start, period.end);
  await queries.exists(randomUUID());
  await queries.countAll();
  await queries.countActive();
  const volumeTypes = new VolumeTypeRepository(collections, 0, READS);
  await volumeTypes.get(volumeType);
  await volumeTypes.list();
  await volumeTypes.namesOf([volumeType]);
  await volumeTypes.volumesOfType(volumeType);
});

afterAll(async () => {
  await client.db(database).dropDatabase();
  await client.close();
});

const READ_COMMANDS = ['find', 'aggregate', 'count', 'distinct'];

it('bounds every read it sends with maxTimeMS', () => {
  const reads = commands.filter((event) => READ_COMMANDS.includes(event.commandName));
  // count: GET /info's estimatedDocumentCount and countDocuments's aggregate are both bounded too.
  expect(new Set(reads.map((event) => event.commandName))).toEqual(new Set(['find', 'aggregate', 'count']));
  expect(reads.filter((event) => event.command.maxTimeMS !== READS.maxTimeMS)).toEqual([]);
});

it('never sends distinct, which FerretDB refuses to bound with maxTimeMS', () => {
  expect(commands.map((event) => event.commandName)).not.toContain('distinct');
});
