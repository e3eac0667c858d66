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
}
