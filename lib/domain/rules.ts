/** The settings Almanach's rules depend on, and the volume type names known when folding. */
export interface FoldRules {
  instanceExistenceThresholdMs: number;
  volumeExistenceThresholdMs: number;
  /** Beyond Almanach: volume.exists for a volume never seen created records it from the payload. */
  backfillVolumeOnExists: boolean;
  /** Cinder carries a volume type id; Almanach stores its name (the id itself while the type is unknown). */
  volumeTypeName: (volumeTypeId: string | null) => string | null;
}
