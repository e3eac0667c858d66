import type { EntityVersion } from '#domain/entity';
import type { EntityDocument } from './collections.ts';
import { escapeKeys, unescapeKeys } from './field-names.ts';

export function versionDocumentId(entityId: string, index: number): string {
  return `${entityId}:${index}`;
}

/** A version as stored: instance attribute keys escaped, position and writing revision attached. */
export function toDocument(version: EntityVersion, index: number, revision: number): EntityDocument {
  return {
    ...toStoredVersion(version),
    _id: versionDocumentId(version.entity_id, index),
    _version_index: index,
    _revision: revision,
  };
}

export function toStoredVersion(version: EntityVersion): EntityVersion {
  if (version.entity_type !== 'instance') return version;
  return { ...version, metadata: escapeKeys(version.metadata), image_meta: escapeKeys(version.image_meta) };
}

export function fromDocument(document: EntityVersion & Partial<EntityDocument>): EntityVersion {
  const { _id, _version_index, _revision, ...version } = document;
  if (version.entity_type !== 'instance') return version;
  return {
    ...version,
    metadata: unescapeKeys(version.metadata),
    image_meta: unescapeKeys(version.image_meta),
  };
}
