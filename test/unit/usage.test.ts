import { describe, expect, it } from 'vitest';
import type { EntityEvent } from '#domain/events';
import { foldEvents } from '#domain/fold';
import { overlapMillis, projectUsage, usageByProject } from '#domain/usage';
import { at, instance, recorded, rules, T0, volume } from '#test/helpers/domain-events';

/** Versions as the fold makes them from events, so the usage is checked against Almanach's rules. */
const versionsOf = (...events: EntityEvent[]) =>
  foldEvents(
    events.map((e) => recorded(e)),
    rules,
  ).versions;
const HOUR = 3600;
const period = (fromSeconds: number, toSeconds: number) => ({ start: at(fromSeconds), end: at(toSeconds) });
const LATER = at(1_000 * HOUR);

describe('instance usage', () => {
  it('counts a version that lies inside the period for its whole lifetime', () => {
    const versions = versionsOf(instance.created(HOUR), instance.deleted(3 * HOUR));
    const usage = projectUsage('p-1', versions, period(0, 10 * HOUR), LATER);
    expect(usage.instances).toMatchObject({ entities: 1, seconds: 2 * HOUR });
  });

  it('clips a version to the period when the period cuts it on both sides', () => {
    const versions = versionsOf(instance.created(0), instance.deleted(10 * HOUR));
    const usage = projectUsage('p-1', versions, period(2 * HOUR, 5 * HOUR), LATER);
    expect(usage.instances.seconds).toBe(3 * HOUR);
  });

  it('splits the hours of a resized instance between its two flavors, to the second', () => {
    const versions = versionsOf(
      instance.created(0),
      instance.resized(HOUR + 30, 'm1.large'),
      instance.deleted(3 * HOUR),
    );
    const usage = projectUsage('p-1', versions, period(0, 24 * HOUR), LATER);
    expect(usage.instances.byFlavor).toEqual([
      { flavor: 'm1.large', entities: 1, seconds: 2 * HOUR - 30 },
      { flavor: 'm1.small', entities: 1, seconds: HOUR + 30 },
    ]);
    expect(usage.instances).toMatchObject({ entities: 1, seconds: 3 * HOUR });
  });

  it('splits the hours of a rebuilt instance between its two operating systems', () => {
    const versions = versionsOf(instance.created(0), instance.rebuilt(600, 'centos'), instance.deleted(HOUR));
    const usage = projectUsage('p-1', versions, period(0, HOUR), LATER);
    expect(usage.instances.byOs).toEqual([
      { os: { os_type: 'linux', distro: 'centos', version: '16.04' }, entities: 1, seconds: HOUR - 600 },
      { os: { os_type: 'linux', distro: 'ubuntu', version: '16.04' }, entities: 1, seconds: 600 },
    ]);
  });

  it('counts a running instance up to the end of a period that is over', () => {
    const versions = versionsOf(instance.created(HOUR));
    const usage = projectUsage('p-1', versions, period(0, 5 * HOUR), LATER);
    expect(usage.instances.seconds).toBe(4 * HOUR);
  });

  it('counts a running instance only up to now when the period reaches into the future', () => {
    const versions = versionsOf(instance.created(HOUR));
    const usage = projectUsage('p-1', versions, period(0, 24 * HOUR), at(3 * HOUR));
    expect(usage.instances.seconds).toBe(2 * HOUR);
  });

  it('does not count an instance that touches the period only at its boundary', () => {
    const versions = versionsOf(instance.created(0), instance.deleted(HOUR));
    const usage = projectUsage('p-1', versions, period(HOUR, 2 * HOUR), LATER);
    expect(usage.instances).toMatchObject({ entities: 0, seconds: 0, byFlavor: [] });
  });

  it('keeps milliseconds, so usage is exact to the second and below', () => {
    const versions = versionsOf(instance.created(0), instance.deleted(1.5));
    expect(projectUsage('p-1', versions, period(0, HOUR), LATER).instances.seconds).toBe(1.5);
  });
});

describe('volume usage', () => {
  it('weighs a volume by its size: gigabyte-seconds per volume type', () => {
    const versions = versionsOf(volume.created(0), volume.deleted(2 * HOUR));
    const usage = projectUsage('p-1', versions, period(0, 24 * HOUR), LATER);
    expect(usage.volumes.byVolumeType).toEqual([
      { volumeType: 'ssd', entities: 1, seconds: 2 * HOUR, gigabyteSeconds: 10 * 2 * HOUR },
    ]);
  });

  it('weighs each size of a resized volume for the time it had it', () => {
    const versions = versionsOf(volume.created(0), volume.resized(HOUR, 30), volume.deleted(3 * HOUR));
    const usage = projectUsage('p-1', versions, period(0, 24 * HOUR), LATER);
    expect(usage.volumes).toMatchObject({
      entities: 1,
      seconds: 3 * HOUR,
      gigabyteSeconds: (10 + 30 * 2) * HOUR,
    });
  });

  it('counts attach and detach versions once, with no gap and no overlap', () => {
    const versions = versionsOf(
      volume.created(0),
      volume.attached(HOUR, ['i-1']),
      volume.detached(2 * HOUR, []),
      volume.deleted(4 * HOUR),
    );
    expect(versions).toHaveLength(3);
    const usage = projectUsage('p-1', versions, period(0, 24 * HOUR), LATER);
    expect(usage.volumes).toMatchObject({ entities: 1, seconds: 4 * HOUR, gigabyteSeconds: 10 * 4 * HOUR });
  });

  it('clips a volume version cut by the period start', () => {
    const versions = versionsOf(volume.created(0), volume.resized(2 * HOUR, 20));
    const usage = projectUsage('p-1', versions, period(HOUR, 3 * HOUR), LATER);
    expect(usage.volumes.gigabyteSeconds).toBe(10 * HOUR + 20 * HOUR);
  });
});

describe('usage of several projects', () => {
  it('reports each project separately, in project id order', () => {
    const versions = [
      ...versionsOf(instance.created(0, { projectId: 'p-2' })),
      ...versionsOf(volume.created(0)),
    ];
    const usages = usageByProject(versions, period(0, HOUR), LATER);
    expect(usages.map((u) => [u.projectId, u.instances.entities, u.volumes.entities])).toEqual([
      ['p-1', 0, 1],
      ['p-2', 1, 0],
    ]);
  });
});

describe('grouping', () => {
  it('lists a group without a flavor first, then the flavors in name order', () => {
    const versions = [
      ...versionsOf(instance.created(0, { entityId: 'i-2', flavor: null })),
      ...versionsOf(instance.created(0)),
    ];
    const usage = projectUsage('p-1', versions, period(0, HOUR), LATER);
    expect(usage.instances.byFlavor.map((line) => line.flavor)).toEqual([null, 'm1.small']);
  });

  it("ignores other projects' versions", () => {
    const versions = versionsOf(instance.created(0, { projectId: 'p-2' }));
    expect(projectUsage('p-1', versions, period(0, HOUR), LATER).instances.entities).toBe(0);
  });
});

describe('overlap', () => {
  it('is zero for a version entirely before the period', () => {
    const [version] = versionsOf(instance.created(0), instance.deleted(HOUR));
    expect(version && overlapMillis(version, { start: at(2 * HOUR), end: at(3 * HOUR) }, LATER)).toBe(0);
  });

  it('is zero for a running version when now is before the period', () => {
    const [version] = versionsOf(instance.created(0));
    expect(version && overlapMillis(version, period(2 * HOUR, 3 * HOUR), T0)).toBe(0);
  });
});
