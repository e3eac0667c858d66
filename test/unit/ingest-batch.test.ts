import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { volumeCreated, volumeTypeCreated } from '#dev/simulator/cinder';
import { simulateCloud } from '#dev/simulator/cloud';
import { instanceCreated, instanceDeleted, instanceResized } from '#dev/simulator/nova';
import { type OsloMessage, rabbitBody } from '#dev/simulator/oslo-envelope';
import { unrelatedEvent } from '#dev/simulator/unrelated-event';
import type { IngestContext } from '#ingest/ingest-batch';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { CountingSink } from '#observability/ingest-metrics';
import { InMemoryIngestPorts } from '#test/helpers/in-memory-ingest-ports';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-records';

const RULES = loadConfig(rulesConfigSchema, {});
const logger = new Logger({ serviceName: 'almanach', logLevel: 'SILENT' });
const day = (n: number) => new Date(Date.UTC(2016, 10, 1 + n));

function pipeline() {
  const ports = new InMemoryIngestPorts();
  const context: IngestContext = {
    ports,
    mapping: mappingOptionsFrom(RULES),
    foldSettings: foldSettingsFrom(RULES),
  };
  const metrics = new CountingSink();
  const handler = createSqsIngestHandler({ ingest: context, logger, metrics });
  const run = async (messages: readonly (OsloMessage | string)[]) => {
    const event = sqsEvent(
      messages.map((message) => (typeof message === 'string' ? message : rabbitBody(message))),
    );
    const { batchItemFailures } = await handler(event, lambdaContext);
    const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
    return event.Records.map((record) => !failed.has(record.messageId));
  };
  return { ports, metrics, run };
}

describe('the ingest pipeline of one SQS batch', () => {
  it('fails only the malformed record of a batch and stores the rest', async () => {
    const { ports, run } = pipeline();
    const instanceId = crypto.randomUUID();
    expect(await run([instanceCreated({ instanceId }), 'not JSON', volumeCreated()])).toEqual([
      true,
      false,
      true,
    ]);
    expect(ports.versions.get(instanceId)).toHaveLength(1);
  });

  it("folds an entity's records in the order they took effect, whatever order they arrived in", async () => {
    const { ports, metrics, run } = pipeline();
    const instanceId = crypto.randomUUID();
    await run([
      instanceCreated({ instanceId, flavor: 'm1.small', createdAt: day(0) }),
      instanceResized({ instanceId, flavor: 'm1.xlarge', timestamp: day(5) }),
      instanceResized({ instanceId, flavor: 'm1.large', timestamp: day(2) }),
    ]);
    const flavors = ports.versions.get(instanceId)?.map((v) => v.entity_type === 'instance' && v.flavor);
    expect(flavors).toEqual(['m1.small', 'm1.large', 'm1.xlarge']);
    expect(metrics.get('LateEvents')).toBe(1);
  });

  it('reports a redelivered notification as a duplicate and changes nothing', async () => {
    const { ports, metrics, run } = pipeline();
    const instanceId = crypto.randomUUID();
    const created = instanceCreated({ instanceId });
    await run([created]);
    const before = structuredClone(ports.versions.get(instanceId));
    expect(await run([created])).toEqual([true]);
    expect(ports.versions.get(instanceId)).toEqual(before);
    expect([metrics.get('EventsApplied'), metrics.get('Duplicates')]).toEqual([1, 1]);
  });

  it('stores a notification delivered twice in one batch once', async () => {
    const { ports, metrics, run } = pipeline();
    const created = instanceCreated();
    expect(await run([created, created])).toEqual([true, true]);
    expect(ports.log.size).toBe(1);
    expect([metrics.get('EventsApplied'), metrics.get('Duplicates')]).toEqual([1, 1]);
  });

  it("fails every record of an entity whose write fails, and only that entity's", async () => {
    const { ports, run } = pipeline();
    const failing = crypto.randomUUID();
    const other = crypto.randomUUID();
    ports.failing.add(failing);
    const results = await run([
      instanceCreated({ instanceId: failing, createdAt: day(0) }),
      instanceCreated({ instanceId: other }),
      instanceDeleted({ instanceId: failing, terminatedAt: day(1) }),
    ]);
    expect(results).toEqual([false, true, false]);
    expect(await run([instanceCreated({ instanceId: failing, createdAt: day(0) })])).toEqual([true]);
    expect(ports.versions.get(failing)).toHaveLength(1);
  });

  it('names a volume recorded under an unknown type id once its volume_type.create arrives', async () => {
    const { ports, run } = pipeline();
    const volumeId = crypto.randomUUID();
    const volumeTypeId = crypto.randomUUID();
    await run([volumeCreated({ volumeId, volumeTypeId })]);
    expect(ports.versions.get(volumeId)).toMatchObject([{ volume_type: volumeTypeId }]);
    await run([volumeTypeCreated({ volumeTypeId, name: 'ssd' })]);
    expect(ports.versions.get(volumeId)).toMatchObject([{ volume_type: 'ssd' }]);
  });

  it('acknowledges and counts an event type Almanach ignores, storing nothing', async () => {
    const { ports, metrics, run } = pipeline();
    expect(await run([unrelatedEvent()])).toEqual([true]);
    expect(ports.log.size).toBe(0);
    expect(metrics.get('UnhandledEventTypes')).toBe(1);
  });

  it('gives the same versions whatever the batches, their order and their duplicates', async () => {
    const stream = simulateCloud({
      seed: 7,
      projects: 1,
      instancesPerProject: 4,
      volumesPerProject: 4,
      start: new Date('2016-11-01T00:00:00Z'),
      days: 10,
    }).notifications.map(({ message }) => message);
    const reference = pipeline();
    for (const message of stream) await reference.run([message]);

    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(stream, { minLength: stream.length }),
        fc.array(fc.integer({ min: 0, max: stream.length - 1 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 25 }),
        async (shuffled, repeats, batchSize) => {
          const { ports, run } = pipeline();
          const deliveries = [...shuffled, ...repeats.flatMap((index) => stream[index] ?? [])];
          for (let offset = 0; offset < deliveries.length; offset += batchSize)
            await run(deliveries.slice(offset, offset + batchSize));
          expect(ports.versions).toEqual(reference.ports.versions);
        },
      ),
      { numRuns: 40, seed: 20161124 },
    );
  });
});
