/**
 * What really ran in a simulated cloud, and the usage billing must therefore get. Computed from the
 * simulation's own segments, independently of the ledger's fold, so a run checks the product end to end.
 */
export interface Os {
  os_type: string;
  distro: string;
  version: string;
}

export interface Segment {
  /** Epoch milliseconds. */
  start: number;
  /** Epoch milliseconds; null while it still runs at the end of the period. */
  end: number | null;
  flavor: string | null;
  os: Os | null;
  /** GB, volumes only. */
  size: number;
  volumeType: string | null;
}

export interface SimulatedEntity {
  kind: 'instance' | 'volume';
  id: string;
  projectId: string;
  segments: Segment[];
}

export interface UsageQuantities {
  count: number;
  seconds: number;
}

export interface VolumeQuantities extends UsageQuantities {
  gigabyte_seconds: number;
}

/** The quantities of the API's `GET /v1/project/{project_id}/usage`, in its field names. */
export interface ExpectedUsage {
  project_id: string;
  instances: UsageQuantities & {
    by_flavor: (UsageQuantities & { flavor: string | null })[];
    by_os: (UsageQuantities & { os_type: string | null; distro: string | null; version: string | null })[];
  };
  volumes: VolumeQuantities & { by_volume_type: (VolumeQuantities & { volume_type: string | null })[] };
}

/** Per project (in the given order), the usage of `entities` within `period`. */
export function expectedUsage(
  projectIds: readonly string[],
  entities: readonly SimulatedEntity[],
  period: { start: Date; end: Date },
): ExpectedUsage[] {
  return projectIds.map((projectId) => {
    const instances = new Groups();
    const flavors = new Map<string, Groups>();
    const systems = new Map<string, Groups>();
    const volumes = new Groups();
    const types = new Map<string, Groups>();
    for (const entity of entities) {
      if (entity.projectId !== projectId) continue;
      for (const segment of entity.segments) {
        const seconds = overlapSeconds(segment, period);
        if (seconds <= 0) continue;
        if (entity.kind === 'instance') {
          instances.add(entity.id, seconds, 0);
          groupOf(flavors, JSON.stringify(segment.flavor)).add(entity.id, seconds, 0);
          groupOf(systems, JSON.stringify(segment.os)).add(entity.id, seconds, 0);
        } else {
          volumes.add(entity.id, seconds, seconds * segment.size);
          groupOf(types, JSON.stringify(segment.volumeType)).add(entity.id, seconds, seconds * segment.size);
        }
      }
    }
    return {
      project_id: projectId,
      instances: {
        ...instances.quantities(),
        by_flavor: [...flavors].map(([key, group]) => ({
          flavor: JSON.parse(key) as string | null,
          ...group.quantities(),
        })),
        by_os: [...systems].map(([key, group]) => {
          const os = JSON.parse(key) as Os | null;
          return {
            os_type: os?.os_type ?? null,
            distro: os?.distro ?? null,
            version: os?.version ?? null,
            ...group.quantities(),
          };
        }),
      },
      volumes: {
        ...volumes.volumeQuantities(),
        by_volume_type: [...types].map(([key, group]) => ({
          volume_type: JSON.parse(key) as string | null,
          ...group.volumeQuantities(),
        })),
      },
    };
  });
}

function overlapSeconds(segment: Segment, period: { start: Date; end: Date }): number {
  const start = Math.max(segment.start, period.start.getTime());
  const end = Math.min(segment.end ?? period.end.getTime(), period.end.getTime());
  return Math.max(0, end - start) / 1000;
}

function groupOf(groups: Map<string, Groups>, key: string): Groups {
  const group = groups.get(key) ?? new Groups();
  groups.set(key, group);
  return group;
}

class Groups {
  private readonly ids = new Set<string>();
  private seconds = 0;
  private gigabyteSeconds = 0;

  add(id: string, seconds: number, gigabyteSeconds: number): void {
    this.ids.add(id);
    this.seconds += seconds;
    this.gigabyteSeconds += gigabyteSeconds;
  }

  quantities(): UsageQuantities {
    return { count: this.ids.size, seconds: this.seconds };
  }

  volumeQuantities(): VolumeQuantities {
    return { ...this.quantities(), gigabyte_seconds: this.gigabyteSeconds };
  }
}
