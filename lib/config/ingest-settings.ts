import type { MappingOptions } from '#domain/mapping';
import type { FoldRules } from '#domain/rules';
import type { RulesConfig } from './schema.ts';

/** The domain's view of the rules settings: milliseconds and named keys instead of environment strings. */
export function mappingOptionsFrom(config: RulesConfig): MappingOptions {
  return {
    instanceMetadataWhitelist: config.INSTANCE_METADATA_WHITELIST,
    imageMetaWhitelist: config.INSTANCE_IMAGE_META_WHITELIST,
    osKeys: { osType: config.OS_TYPE_KEY, distro: config.OS_DISTRO_KEY, version: config.OS_VERSION_KEY },
  };
}

export function foldSettingsFrom(config: RulesConfig): Omit<FoldRules, 'volumeTypeName'> {
  return {
    instanceExistenceThresholdMs: config.INSTANCE_EXISTENCE_THRESHOLD_SECONDS * 1000,
    volumeExistenceThresholdMs: config.VOLUME_EXISTENCE_THRESHOLD_SECONDS * 1000,
    backfillVolumeOnExists: config.VOLUME_EXISTS_BACKFILL,
  };
}
