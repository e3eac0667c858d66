/** A Cinder volume type as Almanach keeps it: volumes are recorded with its name. */
export interface VolumeType {
  volume_type_id: string;
  volume_type_name: string;
}
