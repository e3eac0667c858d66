import type { EntityVersion, Os } from './entity.ts';

/**
 * What billing asks of the ledger: per project, how long instances ran (per flavor and per OS) and how
 * many gigabyte-seconds volumes held (per volume type) within a period. Each version counts only for the
 * part of it inside the period; a running version (end = null) counts up to the period's end, or up to
 * `now` when the period reaches into the future (usage that has not happened is not billed).
 */
export interface Period {
  start: Date;
  end: Date;
}

export interface InstanceUsageLine {
  /** Distinct instances that ran a positive time in this group. */
  entities: number;
  seconds: number;
}

export interface VolumeUsageLine {
  entities: number;
  seconds: number;
  gigabyteSeconds: number;
}

export interface ProjectUsage {
  projectId: string;
  instances: InstanceUsageLine & {
    byFlavor: (InstanceUsageLine & { flavor: string | null })[];
    byOs: (InstanceUsageLine & { os: Os })[];
  };
  volumes: VolumeUsageLine & {
    byVolumeType: (VolumeUsageLine & { volumeType: string | null })[];
  };
}

/** The usage of every project having versions in `versions`, ordered by project id. */
export function usageByProject(
  versions: readonly EntityVersion[],
  period: Period,
  now: Date,
): ProjectUsage[] {
  const byProject = new Map<string, EntityVersion[]>();
  for (const version of versions) {
    const list = byProject.get(version.project_id) ?? [];
    list.push(version);
    byProject.set(version.project_id, list);
  }
  return [...byProject.keys()]
    .sort(compareText)
    .map((projectId) => projectUsage(projectId, byProject.get(projectId) ?? [], period, now));
}

/** One project's usage; versions of other projects are ignored. */
export function projectUsage(
  projectId: string,
  versions: readonly EntityVersion[],
  period: Period,
  now: Date,
): ProjectUsage {
  const instances = new Tally<string>();
  const flavors = new GroupedTally<string | null>();
  const systems = new GroupedTally<string>();
  const volumes = new Tally<string>();
  const volumeTypes = new GroupedTally<string | null>();
  const osOf = new Map<string, Os>();

  for (const version of versions) {
    if (version.project_id !== projectId) continue;
    const millis = overlapMillis(version, period, now);
    if (millis <= 0) continue;
    if (version.entity_type === 'instance') {
      instances.add(version.entity_id, millis, 0);
      flavors.add(version.flavor, version.entity_id, millis, 0);
      const osKey = JSON.stringify([version.os.os_type, version.os.distro, version.os.version]);
      osOf.set(osKey, version.os);
      systems.add(osKey, version.entity_id, millis, 0);
    } else {
      volumes.add(version.entity_id, millis, millis * version.size);
      volumeTypes.add(version.volume_type, version.entity_id, millis, millis * version.size);
    }
  }

  return {
    projectId,
    instances: {
      ...instanceLine(instances),
      byFlavor: flavors.entries().map(([flavor, tally]) => ({ flavor, ...instanceLine(tally) })),
      byOs: systems.entries().map(([key, tally]) => ({ os: osOf.get(key) ?? NO_OS, ...instanceLine(tally) })),
    },
    volumes: {
      ...volumeLine(volumes),
      byVolumeType: volumeTypes
        .entries()
        .map(([volumeType, tally]) => ({ volumeType, ...volumeLine(tally) })),
    },
  };
}

/** Milliseconds of `version` inside the period; running versions stop at the period end or now. */
export function overlapMillis(version: EntityVersion, period: Period, now: Date): number {
  const start = Math.max(version.start.getTime(), period.start.getTime());
  const runningUntil = Math.min(period.end.getTime(), now.getTime());
  const end = version.end === null ? runningUntil : Math.min(version.end.getTime(), period.end.getTime());
  return Math.max(0, end - start);
}

const NO_OS: Os = { os_type: null, distro: null, version: null };

function instanceLine(tally: Tally<string>): InstanceUsageLine {
  return { entities: tally.entities, seconds: tally.millis / 1000 };
}

function volumeLine(tally: Tally<string>): VolumeUsageLine {
  return { entities: tally.entities, seconds: tally.millis / 1000, gigabyteSeconds: tally.weighted / 1000 };
}

/** Sums of milliseconds (and size-weighted milliseconds), counting each entity once. */
class Tally<Id> {
  millis = 0;
  weighted = 0;
  private readonly ids = new Set<Id>();

  add(id: Id, millis: number, weighted: number): void {
    this.ids.add(id);
    this.millis += millis;
    this.weighted += weighted;
  }

  get entities(): number {
    return this.ids.size;
  }
}

class GroupedTally<Key extends string | null> {
  private readonly groups = new Map<Key, Tally<string>>();

  add(key: Key, id: string, millis: number, weighted: number): void {
    const tally = this.groups.get(key) ?? new Tally<string>();
    tally.add(id, millis, weighted);
    this.groups.set(key, tally);
  }

  /** Ordered by key (null first) so the same versions always give the same report. */
  entries(): [Key, Tally<string>][] {
    return [...this.groups.entries()].sort(
      ([a], [b]) => compareText(a ?? '', b ?? '') || (a === null ? -1 : 1),
    );
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
