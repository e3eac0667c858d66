import { describe, expect, it } from 'vitest';
import type { EntityEvent, InstanceChanges } from '#domain/events';
import { foldEvents, needsHistory } from '#domain/fold';
import { closedVersionsWithin } from '#domain/update-rules';
import { at, instance, recorded, rules } from '#test/helpers/domain-events';

const fold = (...events: EntityEvent[]) =>
  foldEvents(
    events.map((e) => recorded(e)),
    rules,
  );
const updated = (s: number, versionStart: Date, changes: InstanceChanges): EntityEvent => ({
  kind: 'instance.updated',
  entityId: 'i-1',
  at: at(s),
  versionStart,
  changes,
});

describe('instance updates', () => {
  it('amends the running version in place, keeping its last_event', () => {
    const { versions, timeline } = fold(
      instance.created(0),
      updated(100, at(0), { flavor: 'm1.xlarge', name: 'db' }),
    );
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ flavor: 'm1.xlarge', name: 'db', end: null, last_event: at(0) });
    expect(timeline.active).toMatchObject({ flavor: 'm1.xlarge' });
  });

  it('moves the start of the running version', () => {
    const { versions } = fold(instance.created(0), updated(100, at(0), { start: at(-50) }));
    expect(versions[0]?.start).toEqual(at(-50));
  });

  it('closes the running version when an end is set', () => {
    const { versions, timeline } = fold(instance.created(0), updated(100, at(0), { end: at(60) }));
    expect(versions[0]?.end).toEqual(at(60));
    expect(timeline.active).toBeNull();
  });

  it('amends a closed version and leaves the running one alone', () => {
    const { versions, timeline } = fold(
      instance.created(0),
      instance.resized(3600, 'm1.large'),
      updated(7200, at(0), { flavor: 'm1.tiny', end: at(1800) }),
    );
    expect(versions.map((v) => v.entity_type === 'instance' && [v.flavor, v.end])).toEqual([
      ['m1.tiny', at(1800)],
      ['m1.large', null],
    ]);
    expect(timeline.active).toMatchObject({ flavor: 'm1.large' });
  });

  it('still amends its version when a deletion dated before the update arrives after it', () => {
    const { versions } = fold(
      instance.created(0),
      updated(9000, at(0), { flavor: 'm1.xlarge' }),
      instance.deleted(7200),
    );
    expect(versions[0]).toMatchObject({ flavor: 'm1.xlarge', end: at(7200) });
  });

  it('is ignored when no version starts at the instant it names', () => {
    const { versions, outcomes } = fold(instance.created(0), updated(100, at(5), { flavor: 'm1.xlarge' }));
    expect(versions[0]).toMatchObject({ flavor: 'm1.small' });
    expect([...outcomes.values()].at(-1)).toMatchObject({ status: 'ignored' });
  });
});

describe('which events need the entity history', () => {
  it('is only updates, which look their version up among all versions', () => {
    expect(needsHistory(updated(0, at(0), {}))).toBe(true);
    expect(needsHistory(instance.created(0))).toBe(false);
  });
});

describe('closed versions within a period', () => {
  it('selects the closed versions that started and ended inside the period', () => {
    const { versions } = fold(
      instance.created(0),
      instance.resized(3600, 'm1.large'),
      instance.deleted(7200),
    );
    expect(closedVersionsWithin(versions, at(0), at(3600)).map((m) => m.index)).toEqual([0]);
    expect(closedVersionsWithin(versions, at(0), at(7200)).map((m) => m.index)).toEqual([0, 1]);
    expect(closedVersionsWithin(versions, at(1), at(7200)).map((m) => m.index)).toEqual([1]);
  });

  it('never selects the running version', () => {
    const { versions } = fold(instance.created(0));
    expect(closedVersionsWithin(versions, at(-10), at(10_000))).toEqual([]);
  });
});

describe('volumes created with attachments', () => {
  it('start attached to the instances given at creation', () => {
    const created: EntityEvent = {
      kind: 'volume.created',
      entityId: 'v-1',
      at: at(0),
      projectId: 'p-1',
      name: 'data',
      volumeTypeId: 'type-ssd',
      size: 10,
      attachments: ['i-1'],
    };
    expect(fold(created).versions[0]).toMatchObject({ attached_to: ['i-1'] });
  });
});
