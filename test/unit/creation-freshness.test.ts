import { describe, expect, it } from 'vitest';
import { foldEvents } from '#domain/fold';
import { EMPTY_TIMELINE, hasFresherVersion, type Timeline } from '#domain/timeline';
import { at, instance, recorded, rules } from '#test/helpers/domain-events';

/** The timeline of an instance created at 0 and resized at `lastEventAt` seconds. */
function runningSince(lastEventAt: number): Timeline {
  const { versions } = foldEvents(
    [recorded(instance.created(0)), recorded(instance.resized(lastEventAt, 'm1.large'))],
    rules,
  );
  return { count: versions.length, active: versions.at(-1) ?? null };
}

describe("Almanach's freshness rule for a creation", () => {
  it('finds no fresher version when nothing runs', () => {
    expect(hasFresherVersion(EMPTY_TIMELINE, at(0))).toBe(false);
  });

  it('finds a fresher version when the running one saw an event after the creation instant', () => {
    expect(hasFresherVersion(runningSince(60), at(30))).toBe(true);
  });

  it('finds no fresher version when the creation instant is the running version’s last event', () => {
    expect(hasFresherVersion(runningSince(60), at(60))).toBe(false);
  });

  it('finds no fresher version when the creation comes after the running version’s last event', () => {
    expect(hasFresherVersion(runningSince(60), at(90))).toBe(false);
  });
});
