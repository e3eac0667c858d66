import type { EntityHead } from '#ingest/ports';
import type { Unpruned } from './entity-heads.ts';

export interface KnownHead {
  head: EntityHead;
  unpruned: Unpruned;
}

/** Entities this process knows, most recently written last; the oldest are forgotten past this many. */
const MAX_KNOWN = 50_000;

/**
 * What this process wrote last of each entity, trusted for `ttlMs`: the next write of the entity claims the
 * following revision without reading the head. The claim validates it (a revision taken meanwhile is
 * refused, and the writer reads); the lifetime keeps it far shorter than the time after which superseded
 * revisions are pruned, so a stale entry can never claim a pruned revision again.
 */
export class KnownHeads {
  private readonly entries = new Map<string, KnownHead & { at: number }>();

  constructor(readonly ttlMs: number) {}

  get(entityId: string): KnownHead | undefined {
    const entry = this.entries.get(entityId);
    if (!entry) return undefined;
    if (entry.at < Date.now() - this.ttlMs) {
      this.entries.delete(entityId);
      return undefined;
    }
    return entry;
  }

  set(entityId: string, known: KnownHead): void {
    this.entries.delete(entityId);
    this.entries.set(entityId, { ...known, at: Date.now() });
    if (this.entries.size > MAX_KNOWN) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  forget(entityId: string): void {
    this.entries.delete(entityId);
  }
}
