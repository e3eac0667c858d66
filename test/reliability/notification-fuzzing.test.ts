import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mappingOptionsFrom } from '#config/ingest-settings';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import { MalformedNotificationError } from '#domain/errors';
import { type MappedNotification, mapNotification } from '#domain/mapping';
import { parseNotification } from '#domain/notification';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { startTestApi, type TestApi } from '#test/helpers/api-harness';
import { defaultRules, ingestorFor, silentLogger, type TestIngestor } from '#test/helpers/ingest-harness';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-records';
import { fuzzRuns, fuzzTimeout } from './fuzz-budget.ts';
import { arbitraryBody, hostileStoredBody, mutatedBody, realBody } from './notification-arbitraries.ts';

/**
 * Whatever arrives on the queue, the ingest either stores it or refuses it as malformed (dead-letter
 * queue, with a reason naming the field); nothing else escapes, and a refused body leaves no trace.
 */

// Whitelists that keep hostile image_meta and metadata values, so they reach the store.
const RULES = defaultRules({
  INSTANCE_METADATA_WHITELIST: 'a.b,$where,nested,level',
  INSTANCE_IMAGE_META_WHITELIST: 'distro,version,os_type,architecture,a.b,$where,nested',
});
const mapping = mappingOptionsFrom(RULES);

type Outcome = { accepted: MappedNotification } | { refused: MalformedNotificationError };

/** The pure part of the ingest: parse and map; only a MalformedNotificationError may come out. */
function parseAndMap(body: string): Outcome {
  try {
    return { accepted: mapNotification(parseNotification(body), mapping) };
  } catch (error) {
    if (error instanceof MalformedNotificationError) return { refused: error };
    throw error;
  }
}

function expectClearReason(error: MalformedNotificationError): void {
  expect(error.reason).not.toBe('');
  if (error.field !== undefined) expect(error.field).not.toBe('');
  expect(error.message).toContain(error.reason);
}

const anyBody = fc.oneof(
  { arbitrary: mutatedBody, weight: 4 },
  { arbitrary: hostileStoredBody, weight: 3 },
  { arbitrary: arbitraryBody, weight: 2 },
  { arbitrary: realBody, weight: 1 },
);

/** Mapped, or refused as malformed with a reason naming what is wrong: never any other outcome. */
function mapsOrRefusesClearly(body: string): void {
  const outcome = parseAndMap(body);
  if ('refused' in outcome) expectClearReason(outcome.refused);
}

// The largest of the parser budgets below, at about 2.5 ms a case.
describe('the notification parser and mapping', { timeout: fuzzTimeout(fuzzRuns(5_000), 10) }, () => {
  it('refuses arbitrary text and JSON with a MalformedNotificationError and a reason, never another error', () => {
    fc.assert(fc.property(arbitraryBody, mapsOrRefusesClearly), {
      seed: 20_240_601,
      numRuns: fuzzRuns(5_000),
    });
  });

  it('maps mutated real notifications or refuses them with a reason, never another error', () => {
    fc.assert(fc.property(mutatedBody, mapsOrRefusesClearly), { seed: 20_240_602, numRuns: fuzzRuns(5_000) });
  });

  it('maps real notifications with a hostile value in a stored field or refuses them with a reason', () => {
    fc.assert(fc.property(hostileStoredBody, mapsOrRefusesClearly), {
      seed: 20_240_605,
      numRuns: fuzzRuns(3_000),
    });
  });

  it('maps every unmutated real notification', () => {
    fc.assert(
      fc.property(realBody, (body) => {
        expect(parseAndMap(body)).toHaveProperty('accepted');
      }),
      { seed: 20_240_603, numRuns: fuzzRuns(1_000) },
    );
  });
});

describe('the SQS ingest handler over the store', () => {
  let api: TestApi;
  let ingestor: TestIngestor;
  const logger = silentLogger();
  const errors = vi.spyOn(logger, 'error');

  beforeAll(async () => {
    api = await startTestApi('notification_fuzzing');
    ingestor = ingestorFor(api.store, RULES);
  });

  afterAll(async () => {
    await api.close();
  });

  const handlerRuns = fuzzRuns(400);

  it('stores what the parser accepts and dead-letters what it refuses, leaving the store unchanged', {
    timeout: fuzzTimeout(handlerRuns, 300),
  }, async () => {
    const handler = createSqsIngestHandler({ ingest: ingestor.context, logger, metrics: ingestor.metrics });
    // Powertools fails a batch whose every record failed as a whole: a good record keeps it partial, and
    // stored beforehand, it is a duplicate that changes nothing.
    const good = rabbitBody(
      instanceCreated({ instanceId: 'fuzzing-companion', messageId: 'fuzzing-companion' }),
    );
    await ingestor.ingest(good);
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        errors.mockClear();
        const before = await api.snapshot();
        const event = sqsEvent([body, good]);
        const { batchItemFailures } = await handler(event, lambdaContext);
        // A store error would be counted here and retried: every refusal must be a malformation.
        expect(ingestor.metrics.get('FailedNotifications')).toBe(0);
        const outcome = parseAndMap(body);
        const refusedIds = 'refused' in outcome ? [event.Records[0]?.messageId] : [];
        expect(batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(refusedIds);
        if ('refused' in outcome) {
          expect(errors).toHaveBeenCalledWith(
            'malformed notification: it will reach the dead-letter queue',
            expect.objectContaining({ reason: outcome.refused.message }),
          );
          expect(await api.snapshot()).toEqual(before);
        }
      }),
      { seed: 20_240_604, numRuns: handlerRuns },
    );
    expect(ingestor.metrics.get('MalformedNotifications')).toBeGreaterThan(0);
    expect(ingestor.metrics.get('EventsApplied')).toBeGreaterThan(0);
  });
});
