/**
 * What no MongoDB-compatible store we run on can hold, however often it is retried, so input carrying it
 * is refused at the boundary (a 400, a dead-lettered notification) instead of failing inside a write:
 * - a NUL character: BSON refuses it in keys, FerretDB over PostgreSQL in any string;
 * - a key starting with `$`: an operator's shape, refused as a field name by FerretDB (and by MongoDB
 *   before 5.0); never part of a real notification or Almanach request;
 * - nesting deeper than MAX_NESTING: servers cap document depth (MongoDB at 100, FerretDB lower for
 *   arrays), and the stored document adds levels of its own around what we keep;
 * - a number JSON cannot write back (a literal too big for a double parses as Infinity): the event log
 *   would read null where the entity was folded with Infinity.
 * Dots in keys are not refused: the store escapes them, as Almanach does.
 */
export const MAX_NESTING = 32;

export interface UnstorablePart {
  /** Dotted path of the offending value or key, from the checked value; empty for the value itself. */
  path: string;
  reason: string;
}

export function unstorablePart(value: unknown, path: readonly string[] = []): UnstorablePart | undefined {
  const at = (reason: string, key?: string): UnstorablePart => ({
    path: [...path, ...(key === undefined ? [] : [key])].join('.'),
    reason,
  });
  if (typeof value === 'string')
    return value.includes('\0') ? at('must not contain NUL characters') : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : at('must be a finite number');
  if (typeof value !== 'object' || value === null) return undefined;
  if (path.length >= MAX_NESTING) return at(`must not nest deeper than ${MAX_NESTING} levels`);
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\0')) return at('keys must not contain NUL characters', key.replaceAll('\0', '\\0'));
    if (key.startsWith('$')) return at("keys must not start with '$'", key);
    const found = unstorablePart(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
