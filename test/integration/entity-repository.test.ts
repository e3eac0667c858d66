import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityVersion } from '#domain/entity';
import { openTestStore, type TestStore } from '#test/helpers/ingest-harness';

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('repository');
});

afterAll(async () => {
  await store.close();
});

const version = (entityId: string, size: number): EntityVersion => ({
  entity_id: entityId,
  entity_type: 'volume',
  project_id: 'p',
  start: new Date('2016-11-24T15:00:00Z'),
  end: null,
  last_event: new Date('2016-11-24T15:00:00Z'),
  name: 'v',
  volume_type: null,
  size,
  attached_to: [],
});

describe('version writes guarded by revision', () => {
  it('keep the newest revision when writers race to create the same version', async () => {
    for (let race = 0; race < 40; race++) {
      const entityId = `race-${race}-${crypto.randomUUID()}`;
      const older = store.entities.writeChanges(entityId, 1, [
        { op: 'put', index: 0, version: version(entityId, 1) },
      ]);
      const newer = store.entities.writeChanges(entityId, 2, [
        { op: 'put', index: 0, version: version(entityId, 2) },
      ]);
      await Promise.all(race % 2 ? [older, newer] : [newer, older]);
      expect(await store.entities.versionsOf(entityId)).toMatchObject([{ size: 2 }]);
    }
  });

  it('never let an older revision overwrite a newer one', async () => {
    const entityId = crypto.randomUUID();
    await store.entities.writeChanges(entityId, 5, [{ op: 'put', index: 0, version: version(entityId, 5) }]);
    await store.entities.writeChanges(entityId, 4, [{ op: 'put', index: 0, version: version(entityId, 4) }]);
    await store.entities.replaceVersions(entityId, 3, [version(entityId, 3), version(entityId, 3)]);
    expect(await store.entities.versionsOf(entityId)).toMatchObject([{ size: 5 }, { size: 3 }]);
  });

  it('rewrite a history of 150 versions at once (a late event re-folding a long-lived volume)', async () => {
    const entityId = crypto.randomUUID();
    const history = Array.from({ length: 150 }, (_, size) => version(entityId, size));

    await store.entities.replaceVersions(entityId, 1, history);
    await store.entities.replaceVersions(entityId, 2, history.slice(0, 120));

    expect(await store.entities.versionsOf(entityId)).toMatchObject(history.slice(0, 120));
  });

  it('remove versions beyond a newer head left by a writer that finished late', async () => {
    const entityId = crypto.randomUUID();
    await store.entities.swapHead(entityId, 0, {
      entityType: 'volume',
      count: 1,
      active: null,
      newest: null,
    });
    await store.entities.swapHead(entityId, 1, {
      entityType: 'volume',
      count: 1,
      active: null,
      newest: null,
    });
    await store.entities.writeChanges(entityId, 2, [{ op: 'put', index: 0, version: version(entityId, 2) }]);
    await store.entities.writeChanges(entityId, 1, [{ op: 'put', index: 1, version: version(entityId, 1) }]);
    await store.entities.sweepSuperseded(entityId, 1);
    expect(await store.entities.versionsOf(entityId)).toMatchObject([{ size: 2 }]);
  });
});

describe('the head revision', () => {
  it('is taken by exactly one of several writers swapping from the same revision', async () => {
    for (let round = 0; round < 20; round++) {
      const entityId = crypto.randomUUID();
      const timeline = { entityType: 'volume' as const, count: 0, active: null, newest: null };
      await store.entities.swapHead(entityId, 0, timeline);
      const swaps = await Promise.all(
        Array.from({ length: 6 }, (_, n) => store.entities.swapHead(entityId, 1, { ...timeline, count: n })),
      );
      expect(swaps.filter((revision) => revision !== null)).toEqual([2]);
    }
  });
});
