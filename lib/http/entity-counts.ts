import type { VersionReads } from '#domain/ledger-reads';

export interface EntityCounts {
  all: number;
  active: number;
}

/** How long GET /info's counts are reused: it is public, so anyone can ask as often as they like. */
export const ENTITY_COUNTS_TTL_MS = 30_000;

/**
 * GET /info's counts, shared by every request of this process for ENTITY_COUNTS_TTL_MS (one in flight at a
 * time), so anonymous requests cost the store one count per period and function instance. A failed count
 * is not kept: the next request asks again.
 */
export function cachedEntityCounts(
  queries: Pick<VersionReads, 'countAll' | 'countActive'>,
  now: () => Date,
): () => Promise<EntityCounts> {
  let cached: { counts: Promise<EntityCounts>; until: number } | undefined;
  return () => {
    const at = now().getTime();
    if (cached && at < cached.until) return cached.counts;
    const counts = Promise.all([queries.countAll(), queries.countActive()]).then(([all, active]) => ({
      all,
      active,
    }));
    const entry = { counts, until: at + ENTITY_COUNTS_TTL_MS };
    cached = entry;
    counts.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return counts;
  };
}
