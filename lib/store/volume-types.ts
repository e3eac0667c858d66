import type { VolumeTypeCatalog } from '#domain/ledger-reads';
import type { VolumeType } from '#domain/volume-type';
import type { Collections } from './collections.ts';
import { DEFAULT_READ_OPTIONS, type ReadOptions } from './read-options.ts';

/** Known volume type names are kept this long: a type is created once and named for good. */
const DEFAULT_NAME_TTL_MS = 5 * 60_000;

export class VolumeTypeRepository implements VolumeTypeCatalog {
  private readonly names = new Map<string, { name: string; at: number }>();

  constructor(
    private readonly collections: Pick<Collections, 'volumeTypes' | 'entity'>,
    private readonly nameTtlMs = DEFAULT_NAME_TTL_MS,
    private readonly reads: ReadOptions = DEFAULT_READ_OPTIONS,
  ) {}

  async save(type: VolumeType): Promise<void> {
    await this.saveAll([type]);
  }

  async saveAll(types: readonly VolumeType[]): Promise<void> {
    if (types.length === 0) return;
    await this.collections.volumeTypes.bulkWrite(
      types.map(({ volume_type_id, volume_type_name }) => ({
        updateOne: {
          filter: { _id: volume_type_id },
          update: { $set: { volume_type_id, volume_type_name } },
          upsert: true,
        },
      })),
      { ordered: false },
    );
    for (const type of types) this.remember(type);
  }

  /**
   * Names of the known types among the ids; unknown ids are read every time (a type may arrive at any
   * moment), known ones are kept for a while unless `fresh`.
   */
  async namesOf(
    volumeTypeIds: readonly string[],
    options: { fresh?: boolean } = {},
  ): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const toRead: string[] = [];
    for (const id of new Set(volumeTypeIds)) {
      const cached = options.fresh ? undefined : this.names.get(id);
      if (cached && cached.at >= Date.now() - this.nameTtlMs) names.set(id, cached.name);
      else toRead.push(id);
    }
    if (toRead.length === 0) return names;
    const found = await this.collections.volumeTypes.find({ _id: { $in: toRead } }, this.reads).toArray();
    for (const type of found) {
      this.remember(type);
      names.set(type.volume_type_id, type.volume_type_name);
    }
    return names;
  }

  /** Volumes with versions recorded under a volume type id (its name was unknown then). */
  async volumesOfType(volumeTypeId: string): Promise<string[]> {
    const volumes = await this.collections.entity
      .aggregate<{ _id: string }>(
        [{ $match: { entity_type: 'volume', volume_type: volumeTypeId } }, { $group: { _id: '$entity_id' } }],
        this.reads,
      )
      .toArray();
    return volumes.map((volume) => volume._id);
  }

  async get(volumeTypeId: string): Promise<VolumeType | null> {
    const found = await this.collections.volumeTypes.findOne({ _id: volumeTypeId }, this.reads);
    return found && { volume_type_id: found.volume_type_id, volume_type_name: found.volume_type_name };
  }

  /** In id order; with a page, at most `limit` types after `after` (and whether more follow). */
  async list(page?: {
    limit: number;
    after?: string | undefined;
  }): Promise<{ types: VolumeType[]; more: boolean }> {
    const filter = page?.after ? { _id: { $gt: page.after } } : {};
    let cursor = this.collections.volumeTypes.find(filter, this.reads).sort({ _id: 1 });
    if (page) cursor = cursor.limit(page.limit + 1);
    const found = await cursor.toArray();
    const more = page !== undefined && found.length > page.limit;
    const kept = more ? found.slice(0, page?.limit) : found;
    return {
      types: kept.map((type) => ({
        volume_type_id: type.volume_type_id,
        volume_type_name: type.volume_type_name,
      })),
      more,
    };
  }

  /** False when there was no such type. */
  async delete(volumeTypeId: string): Promise<boolean> {
    const result = await this.collections.volumeTypes.deleteOne({ _id: volumeTypeId });
    this.names.delete(volumeTypeId);
    return result.deletedCount === 1;
  }

  private remember({ volume_type_id, volume_type_name }: VolumeType): void {
    this.names.set(volume_type_id, { name: volume_type_name, at: Date.now() });
  }
}
