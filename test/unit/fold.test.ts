import { describe, expect, it } from 'vitest';
import type { EntityEvent } from '#domain/events';
import { foldEvents } from '#domain/fold';
import type { FoldRules } from '#domain/rules';
import { at, instance, recorded, rules, volume } from '#test/helpers/domain-events';

const fold = (events: EntityEvent[], withRules: FoldRules = rules) =>
  foldEvents(
    events.map((e) => recorded(e)),
    withRules,
  );
const periods = (events: EntityEvent[]) =>
  fold(events).versions.map((v) => [v.start.toISOString(), v.end?.toISOString() ?? null]);
const outcomeOf = (events: EntityEvent[]) => [...fold(events).outcomes.values()].at(-1);

describe('instances', () => {
  it('opens a running version with flavor, OS and name when an instance is created', () => {
    const [version] = fold([instance.created(0)]).versions;
    expect(version).toMatchObject({
      entity_id: 'i-1',
      entity_type: 'instance',
      project_id: 'p-1',
      start: at(0),
      end: null,
      last_event: at(0),
      name: 'web-1',
      flavor: 'm1.small',
      os: { os_type: 'linux', distro: 'ubuntu', version: '16.04' },
    });
  });

  it('closes the running version at terminated_at when the instance is deleted', () => {
    const { versions } = fold([instance.created(0), instance.deleted(7200)]);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ end: at(7200), last_event: at(7200) });
  });

  it('closes the running version and opens a new one when the flavor changes', () => {
    const { versions } = fold([instance.created(0), instance.resized(3600, 'm1.large')]);
    expect(versions.map((v) => [v.entity_type === 'instance' && v.flavor, v.start, v.end])).toEqual([
      ['m1.small', at(0), at(3600)],
      ['m1.large', at(3600), null],
    ]);
  });

  it('changes nothing when an instance is resized to the flavor it already has', () => {
    const events = [instance.created(0), instance.resized(3600, 'm1.small')];
    expect(fold(events).versions).toHaveLength(1);
    expect(outcomeOf(events)).toEqual({ status: 'unchanged' });
  });

  it('closes and reopens the version when a rebuild changes the OS', () => {
    const { versions } = fold([instance.created(0), instance.rebuilt(600, 'centos')]);
    expect(versions.map((v) => v.entity_type === 'instance' && v.os.distro)).toEqual(['ubuntu', 'centos']);
    expect(versions[0]?.end).toEqual(at(600));
  });

  it('changes nothing when a rebuild keeps the same OS', () => {
    expect(fold([instance.created(0), instance.rebuilt(600, 'ubuntu')]).versions).toHaveLength(1);
  });

  it('ignores a second creation while the instance is running', () => {
    const events = [instance.created(0), instance.created(10, { flavor: 'm1.xlarge' })];
    expect(fold(events).versions).toHaveLength(1);
    expect(outcomeOf(events)).toMatchObject({ status: 'ignored' });
  });

  it('gives the same closed version when the deletion arrives before the creation', () => {
    expect(periods([instance.deleted(7200), instance.created(0)])).toEqual([
      [at(0).toISOString(), at(7200).toISOString()],
    ]);
  });

  it('ignores the deletion of an errored instance that was never created', () => {
    const events = [instance.deleted(100, { state: 'error' })];
    expect(fold(events).versions).toEqual([]);
    expect(outcomeOf(events)).toEqual({
      status: 'ignored',
      reason: 'the instance errored before it was created',
    });
  });

  it('ignores an instance deleted within the existence threshold before its creation completed', () => {
    const events = [instance.deleted(899)];
    expect(outcomeOf(events)).toMatchObject({ status: 'ignored' });
  });

  it('keeps an unknown instance deletion outside the threshold pending until its creation arrives', () => {
    expect(outcomeOf([instance.deleted(901)])).toMatchObject({ status: 'orphan' });
  });

  it('ignores a second deletion of an instance already deleted', () => {
    expect(outcomeOf([instance.created(0), instance.deleted(100), instance.deleted(200)])).toMatchObject({
      status: 'ignored',
    });
  });

  it('keeps a resize that precedes any creation pending', () => {
    expect(outcomeOf([instance.resized(10, 'm1.large')])).toMatchObject({ status: 'orphan' });
  });
});

describe('volumes', () => {
  it('opens a version with the volume type name and no attachment when a volume is created', () => {
    expect(fold([volume.created(0)]).versions[0]).toMatchObject({
      entity_type: 'volume',
      volume_type: 'ssd',
      size: 10,
      attached_to: [],
      name: 'data',
      end: null,
    });
  });

  it('keeps the volume type id while the type is unknown', () => {
    expect(fold([volume.created(0, 'type-unknown')]).versions[0]).toMatchObject({
      volume_type: 'type-unknown',
    });
  });

  it('closes the volume when it is deleted after the existence threshold', () => {
    expect(periods([volume.created(0), volume.deleted(61)])).toEqual([
      [at(0).toISOString(), at(61).toISOString()],
    ]);
  });

  it('closes a single-version volume deleted within the threshold', () => {
    expect(periods([volume.created(0), volume.deleted(30)])).toEqual([
      [at(0).toISOString(), at(30).toISOString()],
    ]);
  });

  it('removes a version that started less than the threshold before the deletion', () => {
    expect(periods([volume.created(0), volume.resized(3600, 20), volume.deleted(3630)])).toEqual([
      [at(0).toISOString(), at(3600).toISOString()],
    ]);
  });

  it('closes and reopens the volume on every resize', () => {
    const { versions } = fold([volume.created(0), volume.resized(3600, 20)]);
    expect(versions.map((v) => v.entity_type === 'volume' && v.size)).toEqual([10, 20]);
  });

  it('records an attachment in place within the threshold of the version start', () => {
    const { versions } = fold([volume.created(0), volume.attached(30, ['i-1'])]);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ attached_to: ['i-1'], last_event: at(30) });
  });

  it('closes and reopens the volume when it is first attached after the threshold', () => {
    const { versions } = fold([volume.created(0), volume.attached(600, ['i-1'])]);
    expect(versions.map((v) => v.entity_type === 'volume' && v.attached_to)).toEqual([[], ['i-1']]);
    expect(versions[1]).toMatchObject({ start: at(600), last_event: at(600) });
  });

  it('updates in place when a volume already attached is attached to another instance', () => {
    const { versions } = fold([
      volume.created(0),
      volume.attached(600, ['i-1']),
      volume.attached(1200, ['i-1', 'i-2']),
    ]);
    expect(versions).toHaveLength(2);
    expect(versions[1]).toMatchObject({ attached_to: ['i-1', 'i-2'], start: at(600), last_event: at(1200) });
  });

  it('updates in place when a detachment leaves other attachments', () => {
    const { versions } = fold([
      volume.created(0),
      volume.attached(600, ['i-1', 'i-2']),
      volume.detached(1200, ['i-2']),
    ]);
    expect(versions).toHaveLength(2);
    expect(versions[1]).toMatchObject({ attached_to: ['i-2'] });
  });

  it('closes and reopens the volume, detached, when its last attachment goes after the threshold', () => {
    const { versions } = fold([volume.created(0), volume.attached(600, ['i-1']), volume.detached(1200, [])]);
    expect(versions.map((v) => v.entity_type === 'volume' && v.attached_to)).toEqual([[], ['i-1'], []]);
  });

  it('renames the running version in place', () => {
    const { versions } = fold([volume.created(0), volume.renamed(600, 'logs')]);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ name: 'logs', last_event: at(0) });
  });

  it('renames the running version when volume.exists carries a new name', () => {
    expect(fold([volume.created(0), volume.existed(600, 'archive')]).versions[0]).toMatchObject({
      name: 'archive',
    });
  });

  it('backfills a volume first seen through volume.exists from its payload', () => {
    const [version] = fold([volume.existed(600, 'found')]).versions;
    expect(version).toMatchObject({
      start: at(-3600),
      end: null,
      size: 20,
      volume_type: 'ssd',
      name: 'found',
    });
  });

  it('does not backfill from volume.exists when backfill is disabled', () => {
    const events = [volume.existed(600, 'found')];
    expect(fold(events, { ...rules, backfillVolumeOnExists: false }).versions).toEqual([]);
  });

  it('ignores a rename of a deleted volume', () => {
    expect(outcomeOf([volume.created(0), volume.deleted(600), volume.renamed(700, 'x')])).toMatchObject({
      status: 'ignored',
    });
  });
});
