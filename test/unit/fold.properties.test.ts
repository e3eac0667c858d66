import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityVersion } from '#domain/entity';
import type { EntityEvent, RecordedEvent } from '#domain/events';
import { applyEvent, compareKeys, type EventKey, foldEvents, keyOf } from '#domain/fold';
import { applyChangesInPlace, EMPTY_TIMELINE, type Timeline } from '#domain/timeline';
import { instance, rules, volume } from '#test/helpers/domain-events';

const seconds = fc.integer({ min: 0, max: 4 * 3600 });
const instances = fc.constantFrom('i-1', 'i-2', 'i-3');

const instanceEvent: fc.Arbitrary<EntityEvent> = fc.oneof(
  seconds.map((s) => instance.created(s)),
  seconds.map((s) => instance.deleted(s)),
  fc.tuple(seconds, fc.constantFrom('m1.small', 'm1.large')).map(([s, f]) => instance.resized(s, f)),
  fc.tuple(seconds, fc.constantFrom('ubuntu', 'centos')).map(([s, d]) => instance.rebuilt(s, d)),
);

const volumeEvent: fc.Arbitrary<EntityEvent> = fc.oneof(
  seconds.map((s) => volume.created(s)),
  seconds.map((s) => volume.deleted(s)),
  fc.tuple(seconds, fc.integer({ min: 1, max: 100 })).map(([s, size]) => volume.resized(s, size)),
  fc.tuple(seconds, fc.uniqueArray(instances, { maxLength: 3 })).map(([s, a]) => volume.attached(s, a)),
  fc.tuple(seconds, fc.uniqueArray(instances, { maxLength: 2 })).map(([s, a]) => volume.detached(s, a)),
  fc.tuple(seconds, fc.constantFrom('data', 'logs')).map(([s, n]) => volume.renamed(s, n)),
  fc
    .tuple(seconds, fc.constantFrom('data', 'logs'), fc.boolean())
    .map(([s, n, b]) => volume.existed(s, n, b)),
);

const history = (event: fc.Arbitrary<EntityEvent>) =>
  fc
    .array(event, { minLength: 1, maxLength: 25 })
    .map((events): RecordedEvent[] =>
      events.map((e, i) => ({ messageId: `msg-${String(i).padStart(3, '0')}`, event: e })),
    );

const anyHistory = fc.oneof(history(instanceEvent), history(volumeEvent));

const versionsOf = (events: readonly RecordedEvent[]) => foldEvents(events, rules).versions;

/**
 * What the store does with deliveries in arrival order: an event newer than everything folded so far is
 * applied to the running version alone; any other re-folds the whole set.
 */
function ingestInArrivalOrder(arrivals: readonly RecordedEvent[]): EntityVersion[] {
  let versions: EntityVersion[] = [];
  let timeline: Timeline = EMPTY_TIMELINE;
  let newest: EventKey | null = null;
  const seen: RecordedEvent[] = [];
  for (const arrival of arrivals) {
    if (seen.some((e) => e.messageId === arrival.messageId)) continue;
    seen.push(arrival);
    if (!newest || compareKeys(keyOf(arrival), newest) > 0) {
      const step = applyEvent(timeline, arrival.event, rules);
      applyChangesInPlace(versions, step.changes);
      timeline = step.timeline;
      newest = keyOf(arrival);
    } else {
      const fold = foldEvents(seen, rules);
      versions = fold.versions;
      timeline = fold.timeline;
      newest = fold.newest;
    }
  }
  return versions;
}

describe('the fold', () => {
  it('gives the same versions for any order of the same events', () => {
    fc.assert(
      fc.property(anyHistory, fc.infiniteStream(fc.nat()), (events, randoms) => {
        const shuffled = shuffle(events, randoms);
        expect(versionsOf(shuffled)).toEqual(versionsOf(events));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same versions when events are delivered more than once', () => {
    fc.assert(
      fc.property(anyHistory, fc.array(fc.nat()), (events, picks) => {
        const duplicates = picks.map((pick) => events[pick % events.length] as RecordedEvent);
        expect(versionsOf([...events, ...duplicates])).toEqual(versionsOf(events));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same versions applying in-order events incrementally as folding them all', () => {
    fc.assert(
      fc.property(anyHistory, fc.infiniteStream(fc.nat()), fc.array(fc.nat()), (events, randoms, picks) => {
        const duplicates = picks.map((pick) => events[pick % events.length] as RecordedEvent);
        const arrivals = shuffle([...events, ...duplicates], randoms);
        expect(ingestInArrivalOrder(arrivals)).toEqual(versionsOf(events));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps at most one running version, and it is the last', () => {
    fc.assert(
      fc.property(anyHistory, (events) => {
        const versions = versionsOf(events);
        const running = versions.flatMap((v, i) => (v.end === null ? [i] : []));
        expect(running.length <= 1 && (running.length === 0 || running[0] === versions.length - 1)).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
  });
});

function shuffle<T>(items: readonly T[], randoms: fc.Stream<number>): T[] {
  const copy = [...items];
  const iterator = randoms[Symbol.iterator]();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = (iterator.next().value as number) % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
