import type { EntityVersion } from '#domain/entity';
import type { VersionPage } from '#domain/ledger-reads';
import { ListTooLargeError } from './errors.ts';
import { entityJson } from './serialize.ts';

/**
 * Almanach's unpaginated answer, read from a cursor and kept only while its JSON body stays within
 * `maxBytes`: past it the request is refused with 413 before the function runs out of memory or builds
 * a response larger than Lambda returns.
 */
export async function wholeList(
  versions: AsyncIterable<EntityVersion>,
  maxBytes: number,
): Promise<VersionPage> {
  const kept: EntityVersion[] = [];
  let bytes = '[]'.length;
  for await (const version of versions) {
    const separator = kept.length > 0 ? ','.length : 0;
    bytes += separator + Buffer.byteLength(JSON.stringify(entityJson(version)));
    if (bytes > maxBytes) throw new ListTooLargeError(maxBytes);
    kept.push(version);
  }
  return { versions: kept, next: null };
}
