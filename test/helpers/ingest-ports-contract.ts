import { describe, expect, it } from 'vitest';
import type { EntityVersion } from '#domain/entity';
import type { RecordedEvent } from '#domain/events';
import { foldEvents } from '#domain/fold';
import type { FoldRules } from '#domain/rules';
import { entityPlanner } from '#ingest/entity-planner';
import type { IngestPorts, LogEntry } from '#ingest/ports';
import { recorded, volume } from './domain-events.ts';

export interface PortsUnderTest {
  ports: IngestPorts;
  versionsOf(entityId: string): Promise<EntityVersion[]>;
}

const RULES: FoldRules = {
  instanceExistenceThresholdMs: 900_000,
  volumeExistenceThresholdMs: 60_000,
  backfillVolumeOnExists: true,
  volumeTypeName: (id) => id,
};
const naming = { rulesFor: async () => RULES };

function volumeCreated(options: { entityId: string; at?: Date; volumeTypeId?: string }): RecordedEvent {
  const created = volume.created(0, options.volumeTypeId ?? null);
  return recorded(
    { ...created, entityId: options.entityId, at: options.at ?? created.at },
    crypto.randomUUID(),
  );
}

function volumeResized(options: { entityId: string; size: number; at: Date }): RecordedEvent {
  const resized = volume.resized(0, options.size);
  return recorded({ ...resized, entityId: options.entityId, at: options.at }, crypto.randomUUID());
}

function logEntries(events: readonly RecordedEvent[]): LogEntry[] {
  return events.map(({ messageId, event }) => ({
    messageId,
    eventType: event.kind,
    at: event.at,
    raw: '{}',
    entityEvent: event,
  }));
}

/** Logs the events, then writes their entity as one request. */
async function record(ports: IngestPorts, events: readonly RecordedEvent[]) {
  const { logged } = await ports.appendEvents(logEntries(events));
  const entityId = events[0]?.event.entityId ?? '';
  const planner = entityPlanner({ events, redelivered: logged }, naming);
  const result = (await ports.writeEntities(new Map([[entityId, planner]]))).get(entityId);
  if (!result?.ok) throw result?.error ?? new Error('no result');
  return result.plan;
}

/** What every IngestPorts implementation must do, whatever it stores in. */
export function describeIngestPortsContract(name: string, open: () => PortsUnderTest): void {
  const day = (n: number) => new Date(Date.UTC(2016, 10, 1 + n));
  const resizes = (entityId: string, count: number) =>
    Array.from({ length: count }, (_, n) => volumeResized({ entityId, size: 10 + n, at: day(1 + n) }));

  describe(`${name}: IngestPorts contract`, () => {
    it('logs a notification once and reports its redelivery', async () => {
      const { ports } = open();
      const [created] = logEntries([volumeCreated({ entityId: crypto.randomUUID() })]);
      if (!created) throw new Error('no entry');
      expect((await ports.appendEvents([created])).logged.size).toBe(0);
      expect([...(await ports.appendEvents([created])).logged]).toEqual([created.messageId]);
    });

    it('writes the versions of a new entity from its events', async () => {
      const { ports, versionsOf } = open();
      const entityId = crypto.randomUUID();
      const events = [volumeCreated({ entityId, at: day(0) }), ...resizes(entityId, 2)];
      await record(ports, events);
      expect(await versionsOf(entityId)).toEqual(foldEvents(events, RULES).versions);
    });

    it('folds a late event into the history it belongs to', async () => {
      const { ports, versionsOf } = open();
      const entityId = crypto.randomUUID();
      const [first, second, third] = resizes(entityId, 3);
      const created = volumeCreated({ entityId, at: day(0) });
      if (!first || !second || !third) throw new Error('no events');
      await record(ports, [created, first, third]);
      const plan = await record(ports, [second]);
      expect(plan.outcomes.get(second.messageId)).toMatchObject({ status: 'applied', late: true });
      expect(await versionsOf(entityId)).toEqual(foldEvents([created, first, second, third], RULES).versions);
    });

    it('reports a redelivered event as a duplicate and changes nothing', async () => {
      const { ports, versionsOf } = open();
      const entityId = crypto.randomUUID();
      const created = volumeCreated({ entityId, at: day(0) });
      await record(ports, [created]);
      const before = await versionsOf(entityId);
      const plan = await record(ports, [created]);
      expect(plan.outcomes.get(created.messageId)?.status).toBe('duplicate');
      expect(await versionsOf(entityId)).toEqual(before);
    });

    it('converges when writers of one entity write at once', async () => {
      const { ports, versionsOf } = open();
      const entityId = crypto.randomUUID();
      const created = volumeCreated({ entityId, at: day(0) });
      const later = resizes(entityId, 8);
      await record(ports, [created]);
      await Promise.all(later.map((event) => record(ports, [event])));
      expect(await versionsOf(entityId)).toEqual(foldEvents([created, ...later], RULES).versions);
    });

    it('names volume types and finds the volumes recorded under a type id', async () => {
      const { ports } = open();
      const typeId = crypto.randomUUID();
      const entityId = crypto.randomUUID();
      await record(ports, [volumeCreated({ entityId, volumeTypeId: typeId })]);
      expect(await ports.volumeTypeNames([typeId])).toEqual(new Map());
      expect(await ports.volumesOfType(typeId)).toEqual([entityId]);
      await ports.saveVolumeTypes([{ volume_type_id: typeId, volume_type_name: 'ssd' }]);
      expect(await ports.volumeTypeNames([typeId], { fresh: true })).toEqual(new Map([[typeId, 'ssd']]));
    });
  });
}
