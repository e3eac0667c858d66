import { setTimeout as sleep } from 'node:timers/promises';
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
import type { Collections } from './collections.ts';
import {
  type Claim,
  EntityHeads,
  type HeadReading,
  headDocumentId,
  pruneSchedule,
  type Unpruned,
} from './entity-heads.ts';
import { EntityLocks } from './entity-locks.ts';
import { EntityVersions, type VersionWrites } from './entity-versions.ts';
import { EventLog } from './event-log.ts';
import { KnownHeads } from './known-heads.ts';
import type { ReadOptions } from './read-options.ts';
import { VolumeTypeRepository } from './volume-types.ts';

export interface IngestStoreOptions {
  /** A claim not finished after this long is taken for dead and taken over. */
  stallMs?: number;
  /** Superseded revisions are removed once claimed this long ago. */
  pruneAfterMs?: number;
  /** How long this process writes from what it knows of a head without reading it again. */
  knowledgeTtlMs?: number;
  /** How long a known volume type name is used without reading it again. */
  volumeTypeTtlMs?: number;
  onConflict?: () => void;
  reads?: ReadOptions;
}

/** Of a writer's attempts to claim an entity's next revision, how many may find it taken. */
const MAX_CONFLICTS = 25;

/** Longest pause between two reads of a head another process is writing. */
const MAX_WAIT_MS = 250;

export class ConcurrencyConflictError extends Error {
  override readonly name = 'ConcurrencyConflictError';
}

/** Where an entity's write starts from. */
interface Start {
  /** null: plan as new, or (takeover) from the log alone. */
  head: EntityHead | null;
  revision: number;
  unpruned: Unpruned;
  takeover: boolean;
  storedCount: number;
}

interface Task {
  planner: EntityPlanner;
  conflicts: number;
  /** A claim by this writer was refused: read the head instead of assuming anything. */
  read: boolean;
  /** Re-fold from the log whatever the head says (its last writer died, or wrote over a newer one). */
  takeover: boolean;
  /** The outcomes reported for this write, when a repair re-folds after it. */
  reported?: EntityPlan;
}

/**
 * The MongoDB store of the ingest pipeline (Atlas and FerretDB alike: no transactions, no change streams).
 * A batch costs a handful of commands whatever its size: one insert of its events, one read of the heads it
 * does not know (none for new entities, and none for entities this process wrote within knowledgeTtlMs),
 * one read of the histories it must re-fold, one insert of its claims, its version writes in bulk, and one
 * insert marking the claims done.
 *
 * Each entity write claims the entity's next revision by inserting its unique _id: two writers of one
 * entity can never both claim it, so the loser re-reads and retries. A claim not marked done within
 * stallMs is taken over by a full re-fold; so is an entity its writer finds overtaken after a stall.
 */
export class MongoIngestStore implements IngestPorts {
  private readonly heads: EntityHeads;
  private readonly events: EventLog;
  private readonly versions: EntityVersions;
  private readonly volumeTypes: VolumeTypeRepository;
  private readonly known: KnownHeads;
  private readonly locks = new EntityLocks();
  /** Claims this process took and could not finish: taken over at once instead of after stallMs. */
  private readonly abandoned = new Set<string>();
  private readonly stallMs: number;
  private readonly pruneAfterMs: number;
  private readonly onConflict: () => void;

  constructor(collections: Collections, options: IngestStoreOptions = {}) {
    this.heads = new EntityHeads(collections, options.reads);
    this.events = new EventLog(collections, options.reads);
    this.versions = new EntityVersions(collections);
    this.volumeTypes = new VolumeTypeRepository(collections, options.volumeTypeTtlMs, options.reads);
    this.stallMs = options.stallMs ?? 15_000;
    this.pruneAfterMs = options.pruneAfterMs ?? 60 * 60_000;
    this.known = new KnownHeads(options.knowledgeTtlMs ?? 30 * 60_000);
    this.onConflict = options.onConflict ?? (() => undefined);
    if (this.known.ttlMs + this.stallMs >= this.pruneAfterMs)
      throw new Error(
        'pruneAfterMs must exceed knowledgeTtlMs + stallMs: a pruned revision could be claimed again',
      );
  }

  appendEvents(entries: readonly LogEntry[]): Promise<AppendResult> {
    return this.events.append(entries);
  }

  volumeTypeNames(ids: readonly string[], options: { fresh?: boolean } = {}): Promise<Map<string, string>> {
    return this.volumeTypes.namesOf(ids, options);
  }

  saveVolumeTypes(types: readonly VolumeType[]): Promise<void> {
    return this.volumeTypes.saveAll(types);
  }

  volumesOfType(volumeTypeId: string): Promise<string[]> {
    return this.volumeTypes.volumesOfType(volumeTypeId);
  }

  /** The entity's newest state, read from the store (the API's view: no process-local knowledge). */
  async readHead(entityId: string): Promise<EntityHead | null> {
    return (await this.heads.read([entityId])).get(entityId)?.head ?? null;
  }

  async writeEntities(planners: ReadonlyMap<string, EntityPlanner>): Promise<Map<string, EntityWriteResult>> {
    // Writers of one process wait for each other here rather than on the store.
    const release = await this.locks.acquire([...planners.keys()]);
    try {
      return await this.writeAll(planners);
    } finally {
      release();
    }
  }

  private async writeAll(
    planners: ReadonlyMap<string, EntityPlanner>,
  ): Promise<Map<string, EntityWriteResult>> {
    const results = new Map<string, EntityWriteResult>();
    const tasks = new Map<string, Task>(
      [...planners].map(([entityId, planner]) => [
        entityId,
        { planner, conflicts: 0, read: false, takeover: false },
      ]),
    );
    // A writer waited on is taken over once stallMs old: twice that bounds a wait through one takeover.
    const deadline = Date.now() + 2 * this.stallMs + 5_000;
    let waits = 0;
    while (tasks.size > 0) {
      if (Date.now() > deadline) {
        for (const entityId of tasks.keys())
          results.set(entityId, {
            ok: false,
            error: new ConcurrencyConflictError(`entity ${entityId}: still being written by another writer`),
          });
        break;
      }
      const started = Date.now();
      const { starts, waiting } = await this.startsFor(tasks);
      const plans = await this.plan(tasks, starts);
      const done = await this.claimAndWrite(tasks, starts, plans, results);
      await this.checkNotOvertaken(planners, tasks, done, started, results);
      // Each look at a head costs a read: back off while nothing but waiting is left.
      waits = done.size === 0 && waiting > 0 ? waits + 1 : 0;
      if (waits > 0) await sleep(Math.min(MAX_WAIT_MS, 5 * 2 ** waits) * (0.5 + Math.random()));
    }
    return results;
  }

  /** What each task starts from: what this process knows, a blind start for a creation, or a read. */
  private async startsFor(
    tasks: Map<string, Task>,
  ): Promise<{ starts: Map<string, Start>; waiting: number }> {
    const starts = new Map<string, Start>();
    const toRead: string[] = [];
    for (const [entityId, task] of tasks) {
      const known = task.takeover || task.read ? undefined : this.known.get(entityId);
      if (known)
        starts.set(entityId, {
          ...known,
          revision: known.head.revision + 1,
          takeover: false,
          storedCount: known.head.count,
        });
      else if (task.planner.creates && !task.read && !task.takeover)
        starts.set(entityId, { head: null, revision: 1, unpruned: [], takeover: false, storedCount: 0 });
      else toRead.push(entityId);
    }
    const readings = await this.heads.read(toRead);
    let waiting = 0;
    for (const entityId of toRead) {
      const reading = readings.get(entityId);
      const start = reading
        ? this.startFrom(entityId, reading, tasks.get(entityId)?.takeover ?? false)
        : newEntity();
      if (start) starts.set(entityId, start);
      else waiting++;
    }
    return { starts, waiting };
  }

  /** null: its writer is still at work; wait for it. */
  private startFrom(entityId: string, reading: HeadReading, takeover: boolean): Start | null {
    const { head, unpruned } = reading;
    const claimId = headDocumentId(entityId, head.revision);
    const dead = this.abandoned.delete(claimId) || reading.claimedAt.getTime() < Date.now() - this.stallMs;
    if (reading.unfinished && !dead) return null;
    if (reading.unfinished || takeover)
      return { head: null, revision: head.revision + 1, unpruned, takeover: true, storedCount: 0 };
    return { head, revision: head.revision + 1, unpruned, takeover: false, storedCount: head.count };
  }

  private async plan(tasks: Map<string, Task>, starts: Map<string, Start>): Promise<Map<string, EntityPlan>> {
    const plans = new Map<string, EntityPlan>();
    const needHistory: string[] = [];
    await Promise.all(
      [...starts].map(async ([entityId, start]) => {
        const plan = start.takeover
          ? 'needs-history'
          : await tasks.get(entityId)?.planner.plan(start.head, null);
        if (plan === 'needs-history') needHistory.push(entityId);
        else if (plan) plans.set(entityId, plan);
      }),
    );
    const histories = await this.events.historiesOf(needHistory);
    await Promise.all(
      needHistory.map(async (entityId) => {
        const history: readonly RecordedEvent[] = histories.get(entityId) ?? [];
        const plan = await tasks.get(entityId)?.planner.plan(starts.get(entityId)?.head ?? null, history);
        if (plan && plan !== 'needs-history') plans.set(entityId, plan);
      }),
    );
    return plans;
  }

  /** Claims, writes and finishes every planned write; returns the entities written. */
  private async claimAndWrite(
    tasks: Map<string, Task>,
    starts: Map<string, Start>,
    plans: Map<string, EntityPlan>,
    results: Map<string, EntityWriteResult>,
  ): Promise<Map<string, Claim>> {
    const now = new Date();
    const claims: Claim[] = [];
    for (const [entityId, plan] of plans) {
      const start = starts.get(entityId);
      if (!start) continue;
      if (plan.write.kind === 'none') {
        this.complete(tasks, results, entityId, plan);
        continue;
      }
      claims.push({
        entityId,
        revision: start.revision,
        next: plan.write.next,
        ...pruneSchedule(start.unpruned, start.revision, now, this.pruneAfterMs),
      });
    }
    let taken: Set<string>;
    try {
      taken = await this.heads.claim(claims, now);
    } catch (error) {
      this.fail(tasks, results, claims, error);
      return new Map();
    }
    for (const entityId of taken) this.conflict(tasks, results, entityId);
    const claimed = claims.filter((claim) => !taken.has(claim.entityId));
    try {
      await this.versions.write(claimed.flatMap((claim) => versionWrites(claim, starts, plans)));
      await this.heads.finish(claimed);
    } catch (error) {
      this.fail(tasks, results, claimed, error);
      return new Map();
    }
    const written = new Map<string, Claim>();
    for (const claim of claimed) {
      const plan = plans.get(claim.entityId);
      if (!plan) continue;
      this.known.set(claim.entityId, {
        head: { ...claim.next, revision: claim.revision },
        unpruned: claim.unpruned,
      });
      written.set(claim.entityId, claim);
      this.complete(tasks, results, claim.entityId, plan);
    }
    return written;
  }

  /**
   * A writer that took longer than half the stall bound may have been taken for dead and overtaken, its
   * versions then landing over the newer writer's: it re-reads, and if so, repairs by a full re-fold.
   */
  private async checkNotOvertaken(
    planners: ReadonlyMap<string, EntityPlanner>,
    tasks: Map<string, Task>,
    written: Map<string, Claim>,
    started: number,
    results: Map<string, EntityWriteResult>,
  ): Promise<void> {
    if (written.size === 0 || Date.now() - started < this.stallMs / 2) return;
    const readings = await this.heads.read([...written.keys()]);
    for (const [entityId, claim] of written) {
      const overtaken = (readings.get(entityId)?.head.revision ?? 0) > claim.revision;
      const result = results.get(entityId);
      const planner = planners.get(entityId);
      if (!overtaken || !result?.ok || !planner) continue;
      this.known.forget(entityId);
      results.delete(entityId);
      tasks.set(entityId, { planner, conflicts: 0, read: true, takeover: true, reported: result.plan });
    }
  }

  private complete(
    tasks: Map<string, Task>,
    results: Map<string, EntityWriteResult>,
    entityId: string,
    plan: EntityPlan,
  ): void {
    const reported = tasks.get(entityId)?.reported;
    results.set(entityId, { ok: true, plan: reported ?? plan });
    tasks.delete(entityId);
  }

  private conflict(
    tasks: Map<string, Task>,
    results: Map<string, EntityWriteResult>,
    entityId: string,
  ): void {
    const task = tasks.get(entityId);
    if (!task) return;
    this.onConflict();
    this.known.forget(entityId);
    task.read = true;
    task.conflicts++;
    if (task.conflicts < MAX_CONFLICTS) return;
    results.set(entityId, {
      ok: false,
      error: new ConcurrencyConflictError(
        `entity ${entityId}: head kept moving after ${MAX_CONFLICTS} attempts`,
      ),
    });
    tasks.delete(entityId);
  }

  private fail(
    tasks: Map<string, Task>,
    results: Map<string, EntityWriteResult>,
    claims: readonly Claim[],
    error: unknown,
  ): void {
    const failure = asError(error);
    for (const claim of claims) {
      this.known.forget(claim.entityId);
      this.abandoned.add(headDocumentId(claim.entityId, claim.revision));
      results.set(claim.entityId, { ok: false, error: failure });
      tasks.delete(claim.entityId);
    }
  }
}

function newEntity(): Start {
  return { head: null, revision: 1, unpruned: [], takeover: false, storedCount: 0 };
}

function versionWrites(
  claim: Claim,
  starts: Map<string, Start>,
  plans: Map<string, EntityPlan>,
): VersionWrites[] {
  const start = starts.get(claim.entityId);
  const write = plans.get(claim.entityId)?.write;
  if (!start || !write || write.kind === 'none') return [];
  return [
    {
      entityId: claim.entityId,
      revision: claim.revision,
      write,
      storedCount: start.storedCount,
      takeover: start.takeover,
    },
  ];
}
