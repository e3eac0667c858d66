import type { EntityVersion } from '#domain/entity';
import type { RecordedEvent } from '#domain/events';
import type { VolumeType } from '#domain/volume-type';
import type {
  AppendResult,
  EntityHead,
  EntityPlan,
  EntityPlanner,
  EntityWriteResult,
  IngestPorts,
  LogEntry,
} from '#ingest/ports';
import { asError } from '#observability/thrown';

/**
 * IngestPorts in memory, for the pipeline's unit tests: it passes the same contract tests as the MongoDB
 * store. A write compares the head it planned on with the head it replaces, and plans again when another
 * writer went first, so concurrent writers converge as they do on the real store.
 */
export class InMemoryIngestPorts implements IngestPorts {
  readonly log = new Map<string, LogEntry>();
  readonly heads = new Map<string, EntityHead>();
  readonly versions = new Map<string, EntityVersion[]>();
  readonly types = new Map<string, string>();
  /** Entities whose next write fails, as a lost connection would make it. */
  readonly failing = new Set<string>();

  async appendEvents(entries: readonly LogEntry[]): Promise<AppendResult> {
    const result: AppendResult = { logged: new Set(), failed: new Map() };
    for (const entry of entries) {
      if (this.log.has(entry.messageId)) result.logged.add(entry.messageId);
      else this.log.set(entry.messageId, entry);
    }
    return result;
  }

  async writeEntities(planners: ReadonlyMap<string, EntityPlanner>): Promise<Map<string, EntityWriteResult>> {
    const results = new Map<string, EntityWriteResult>();
    await Promise.all(
      [...planners].map(async ([entityId, planner]) => {
        try {
          results.set(entityId, { ok: true, plan: await this.write(entityId, planner) });
        } catch (error) {
          results.set(entityId, {
            ok: false,
            error: asError(error),
          });
        }
      }),
    );
    return results;
  }

  async volumeTypeNames(ids: readonly string[]): Promise<Map<string, string>> {
    return new Map(ids.flatMap((id) => (this.types.has(id) ? [[id, this.types.get(id) ?? '']] : [])));
  }

  async saveVolumeTypes(types: readonly VolumeType[]): Promise<void> {
    for (const type of types) this.types.set(type.volume_type_id, type.volume_type_name);
  }

  async volumesOfType(volumeTypeId: string): Promise<string[]> {
    return [...this.versions]
      .filter(([, versions]) =>
        versions.some((version) => version.entity_type === 'volume' && version.volume_type === volumeTypeId),
      )
      .map(([entityId]) => entityId);
  }

  historyOf(entityId: string): RecordedEvent[] {
    return [...this.log.values()].flatMap((entry) =>
      'entityEvent' in entry && entry.entityEvent.entityId === entityId
        ? [{ messageId: entry.messageId, event: entry.entityEvent }]
        : [],
    );
  }

  private async write(entityId: string, planner: EntityPlanner): Promise<EntityPlan> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const head = this.heads.get(entityId) ?? null;
      let plan = await planner.plan(head, null);
      if (plan === 'needs-history') plan = await planner.plan(head, this.historyOf(entityId));
      if (plan === 'needs-history') throw new Error('a planner given the history asked for it again');
      if ((this.heads.get(entityId) ?? null) !== head) continue;
      if (this.failing.delete(entityId)) throw new Error(`writing ${entityId} failed`);
      const { write } = plan;
      if (write.kind === 'none') return plan;
      const versions =
        write.kind === 'rewrite' ? [...write.versions] : [...(this.versions.get(entityId) ?? [])];
      if (write.kind === 'changes') {
        for (const change of write.changes) {
          if (change.op === 'put') versions[change.index] = change.version;
          else versions.length = Math.min(versions.length, change.index);
        }
      }
      versions.length = write.next.count;
      this.versions.set(entityId, versions);
      this.heads.set(entityId, { ...write.next, revision: (head?.revision ?? 0) + 1 });
      return plan;
    }
    throw new Error(`entity ${entityId}: head kept moving`);
  }
}
