import type { Collections } from './collections.ts';

export interface VolumeType {
  volume_type_id: string;
  volume_type_name: string;
}

export class VolumeTypeRepository {
  constructor(private readonly collections: Pick<Collections, 'volumeTypes'>) {}

  async save({ volume_type_id, volume_type_name }: VolumeType): Promise<void> {
    await this.collections.volumeTypes.updateOne(
      { _id: volume_type_id },
      { $set: { volume_type_id, volume_type_name } },
      { upsert: true },
    );
  }

  async namesOf(volumeTypeIds: readonly string[]): Promise<Map<string, string>> {
    if (volumeTypeIds.length === 0) return new Map();
    const found = await this.collections.volumeTypes.find({ _id: { $in: [...volumeTypeIds] } }).toArray();
    return new Map(found.map((type) => [type.volume_type_id, type.volume_type_name]));
  }

  async get(volumeTypeId: string): Promise<VolumeType | null> {
    const found = await this.collections.volumeTypes.findOne({ _id: volumeTypeId });
    return found && { volume_type_id: found.volume_type_id, volume_type_name: found.volume_type_name };
  }

  /** In id order; with a page, at most `limit` types after `after` (and whether more follow). */
  async list(page?: {
    limit: number;
    after?: string | undefined;
  }): Promise<{ types: VolumeType[]; more: boolean }> {
    const filter = page?.after ? { _id: { $gt: page.after } } : {};
    let cursor = this.collections.volumeTypes.find(filter).sort({ _id: 1 });
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
    return result.deletedCount === 1;
  }
}
