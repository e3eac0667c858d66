import { Logger } from '@aws-lambda-powertools/logger';
import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import { instanceCreated, instanceResized } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { CountingSink } from '#observability/ingest-metrics';
import type { EntityDocument } from '#store/collections';
import { MongoIngestStore } from '#store/ingest-store';
import { defaultRules, ingestorFor, openTestStore, type TestStore } from '#test/helpers/ingest-harness';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-records';

let store: TestStore;
const logger = new Logger({ serviceName: 'almanach', logLevel: 'SILENT' });

beforeAll(async () => {
  store = await openTestStore('recovery');
});

afterAll(async () => {
  await store.close();
});

/** The real `entity` collection, whose first insert fails as a lost connection would make it. */
function failingFirstInsert(entity: Collection<EntityDocument>): Collection<EntityDocument> {
  let failed = false;
  return new Proxy(entity, {
    get(target, property, receiver) {
      if (property === 'insertMany' && !failed) {
        failed = true;
        return () => Promise.reject(new Error('connection reset while writing versions'));
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a delivery that fails after its notification was logged', () => {
  it('is applied by its redelivery and counted exactly once', async () => {
    const rules = defaultRules();
    const metrics = new CountingSink();
    const ports = new MongoIngestStore({
      ...store.collections,
      entity: failingFirstInsert(store.collections.entity),
    });
    const context = { ports, mapping: mappingOptionsFrom(rules), foldSettings: foldSettingsFrom(rules) };
    const handler = createSqsIngestHandler({ ingest: context, logger, metrics });
    const instanceId = crypto.randomUUID();
    const body = rabbitBody(instanceCreated({ instanceId }));

    const first = await handler(sqsEvent([body]), lambdaContext);
    const redelivery = await handler(sqsEvent([body]), lambdaContext);
    const duplicate = await handler(sqsEvent([body]), lambdaContext);

    expect(first.batchItemFailures).toHaveLength(1);
    expect(redelivery.batchItemFailures).toEqual([]);
    expect(duplicate.batchItemFailures).toEqual([]);
    expect(await store.entities.versionsOf(instanceId)).toHaveLength(1);
    expect(await store.collections.events.countDocuments({ entity_id: instanceId })).toBe(1);
    expect([
      metrics.get('FailedNotifications'),
      metrics.get('EventsApplied'),
      metrics.get('Duplicates'),
    ]).toEqual([1, 1, 1]);
  });
});

describe('a late event', () => {
  it('is applied to the history of its entity, not dropped, and counted', async () => {
    const instanceId = crypto.randomUUID();
    const { context, metrics } = ingestorFor(store);
    const handler = createSqsIngestHandler({ ingest: context, logger, metrics });
    const day = (n: number) => new Date(Date.UTC(2016, 10, 1 + n));
    await handler(
      sqsEvent([
        rabbitBody(instanceCreated({ instanceId, flavor: 'm1.small', createdAt: day(0) })),
        rabbitBody(instanceResized({ instanceId, flavor: 'm1.xlarge', timestamp: day(5) })),
        rabbitBody(instanceResized({ instanceId, flavor: 'm1.large', timestamp: day(2) })),
      ]),
      lambdaContext,
    );
    expect(
      (await store.entities.versionsOf(instanceId)).map(
        (v) => v.entity_type === 'instance' && [v.flavor, v.start, v.end],
      ),
    ).toEqual([
      ['m1.small', day(0), day(2)],
      ['m1.large', day(2), day(5)],
      ['m1.xlarge', day(5), null],
    ]);
    expect(metrics.get('LateEvents')).toBe(1);
  });
});
