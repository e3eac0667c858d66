import {
  volumeAttached,
  volumeCreated,
  volumeDeleted,
  volumeDetached,
  volumeResized,
  volumeTypeCreated,
  volumeUpdated,
} from './cinder.ts';
import {
  instanceCreated,
  instanceCreateFailed,
  instanceDeleted,
  instanceRebuilt,
  instanceResized,
} from './nova.ts';
import type { OsloMessage } from './oslo-envelope.ts';
import { SeededDraws } from './random.ts';
import type { Os, SimulatedEntity } from './truth.ts';
import { unrelatedEvent } from './unrelated-event.ts';

export type Service = 'nova' | 'cinder';

export interface SimulatedNotification {
  /** Who publishes it: Nova on its exchange, Cinder on its own. */
  service: Service;
  message: OsloMessage;
  /** When the service emitted it (the simulated clock), the order of the stream. */
  emittedAt: number;
}

export interface CloudOptions {
  seed: number;
  projects: number;
  instancesPerProject: number;
  volumesPerProject: number;
  start: Date;
  days: number;
}

export interface SimulatedCloud {
  period: { start: Date; end: Date };
  projectIds: string[];
  /** In the order the services emitted them. */
  notifications: SimulatedNotification[];
  /** What really ran, segment by segment: the ground truth the ledger must reproduce. */
  entities: SimulatedEntity[];
}

const FLAVORS = ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.xlarge'];
const SYSTEMS: readonly Os[] = [
  { os_type: 'linux', distro: 'ubuntu', version: '22.04' },
  { os_type: 'linux', distro: 'ubuntu', version: '24.04' },
  { os_type: 'linux', distro: 'centos', version: '9' },
  { os_type: 'linux', distro: 'debian', version: '12' },
  { os_type: 'windows', distro: 'windows', version: '2022' },
];
const VOLUME_TYPES = ['standard', 'ssd', 'archive'];
const VOLUME_SIZES = [10, 20, 50, 100, 250];
const NOISE = ['compute.instance.power_off.end', 'compute.instance.power_on.end', 'compute.instance.exists'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Changes of one entity are at least this far apart: above Almanach's 60 s volume threshold, so every change counts. */
const MIN_GAP_S = (10 * MINUTE) / 1000;
const MAX_GAP_S = (5 * DAY) / 1000;
const MAX_CHANGES = 6;

/**
 * A cloud's month as Nova and Cinder notify it: per project, instances created, resized, rebuilt and deleted,
 * some failing to build or deleted before their build completed; volumes of a few types created, attached,
 * detached, resized, renamed and deleted; and notifications Almanach ignores. The same options give the same
 * stream, ids and bodies included.
 */
export function simulateCloud(options: CloudOptions): SimulatedCloud {
  const draws = new SeededDraws(options.seed);
  const periodStart = options.start.getTime();
  const periodEnd = periodStart + options.days * DAY;
  const stream = new Stream(draws.uuid);
  const entities: SimulatedEntity[] = [];

  const volumeTypes = VOLUME_TYPES.map((name) => ({ id: draws.uuid(), name }));
  for (const type of volumeTypes) {
    stream.cinder(
      periodStart,
      volumeTypeCreated({
        uuid: draws.uuid,
        messageId: draws.uuid(),
        volumeTypeId: type.id,
        name: type.name,
        timestamp: new Date(periodStart),
        createdAt: new Date(periodStart),
      }),
    );
  }

  const projectIds = Array.from({ length: options.projects }, () => draws.hexId());
  for (const [index, tenantId] of projectIds.entries()) {
    const project = new ProjectSimulation({ draws, stream, tenantId, index, periodStart, periodEnd });
    for (let n = 0; n < options.instancesPerProject; n++) {
      const instance = project.instance(n);
      if (instance) entities.push(instance);
    }
    for (let n = 0; n < options.volumesPerProject; n++) {
      entities.push(project.volume(n, draws.pick(volumeTypes)));
    }
  }

  return {
    period: { start: new Date(periodStart), end: new Date(periodEnd) },
    projectIds,
    notifications: stream.ordered(),
    entities,
  };
}

class Stream {
  private readonly items: SimulatedNotification[] = [];

  constructor(readonly uuid: () => string) {}

  nova(emittedAt: number, message: OsloMessage): void {
    this.items.push({ service: 'nova', message, emittedAt });
  }

  cinder(emittedAt: number, message: OsloMessage): void {
    this.items.push({ service: 'cinder', message, emittedAt });
  }

  ordered(): SimulatedNotification[] {
    return [...this.items].sort(
      (a, b) => a.emittedAt - b.emittedAt || compare(a.message.message_id, b.message.message_id),
    );
  }
}

interface ProjectContext {
  draws: SeededDraws;
  stream: Stream;
  tenantId: string;
  index: number;
  periodStart: number;
  periodEnd: number;
}

class ProjectSimulation {
  private readonly draws: SeededDraws;
  private readonly stream: Stream;
  /** Instances of the project with the times they run, for attachments. */
  private readonly instances: { id: string; from: number; until: number }[] = [];

  constructor(private readonly context: ProjectContext) {
    this.draws = context.draws;
    this.stream = context.stream;
  }

  /** One instance's life; undefined when it never ran (build failed, or deleted while building). */
  instance(n: number): SimulatedEntity | undefined {
    const { draws, stream, tenantId, periodEnd } = this.context;
    const instanceId = draws.uuid();
    const name = `p${this.context.index}-vm-${n}`;
    const createdAt = this.creationTime();
    const common = { instanceId, tenantId, name, uuid: stream.uuid, messageId: draws.uuid() };
    const fate = draws.fraction();

    if (fate < 0.06) {
      // The build fails; the user deletes the instance in error (Nova deletes it locally, state `error`).
      const failedAt = createdAt + draws.integer(1, 5) * MINUTE;
      const deletedAt = failedAt + draws.integer(5, 120) * MINUTE;
      stream.nova(
        failedAt,
        instanceCreateFailed({ ...common, createdAt: new Date(createdAt), timestamp: new Date(failedAt) }),
      );
      stream.nova(
        deletedAt,
        instanceDeleted({
          ...common,
          messageId: draws.uuid(),
          state: 'error',
          createdAt: new Date(createdAt),
          terminatedAt: new Date(deletedAt),
          timestamp: new Date(deletedAt),
        }),
      );
      return undefined;
    }
    if (fate < 0.1) {
      // Deleted while building: Nova never sends create.end, and the delete comes within minutes.
      const deletedAt = createdAt + draws.integer(1, 10) * MINUTE;
      stream.nova(
        deletedAt,
        instanceDeleted({
          ...common,
          createdAt: new Date(createdAt),
          terminatedAt: new Date(deletedAt),
          timestamp: new Date(deletedAt),
        }),
      );
      return undefined;
    }

    let flavor = draws.pick(FLAVORS);
    let os = draws.pick(SYSTEMS);
    const entity: SimulatedEntity = {
      kind: 'instance',
      id: instanceId,
      projectId: tenantId,
      segments: [{ start: createdAt, end: null, flavor, os, size: 0, volumeType: null }],
    };
    const launched = createdAt + draws.integer(10, 60) * 1000;
    stream.nova(
      launched,
      instanceCreated({
        ...common,
        flavor,
        imageMeta: imageMeta(os),
        createdAt: new Date(createdAt),
        launchedAt: new Date(launched),
        timestamp: new Date(launched),
      }),
    );

    let clock = launched;
    let until = periodEnd;
    for (let change = 0; change < MAX_CHANGES; change++) {
      clock += draws.integer(MIN_GAP_S, MAX_GAP_S) * 1000;
      if (clock >= periodEnd) break;
      const at = new Date(clock);
      const step = {
        ...common,
        messageId: draws.uuid(),
        flavor,
        imageMeta: imageMeta(os),
        createdAt: new Date(createdAt),
        timestamp: at,
      };
      const action = draws.fraction();
      if (action < 0.3) {
        stream.nova(
          clock + 1000,
          instanceDeleted({
            ...step,
            terminatedAt: at,
            deletedAt: new Date(clock + 1000),
            timestamp: new Date(clock + 1000),
          }),
        );
        closeSegment(entity, clock);
        until = clock;
        break;
      }
      if (action < 0.55) {
        flavor = draws.pick(FLAVORS.filter((other) => other !== flavor));
        stream.nova(clock, instanceResized({ ...step, flavor }));
        openSegment(entity, clock, { flavor });
      } else if (action < 0.7) {
        os = draws.pick(SYSTEMS.filter((other) => other !== os));
        stream.nova(clock, instanceRebuilt({ ...step, imageMeta: imageMeta(os) }));
        openSegment(entity, clock, { os });
      } else {
        stream.nova(clock, unrelatedEvent(draws.pick(NOISE), { ...step }));
      }
    }
    this.instances.push({ id: instanceId, from: launched, until });
    return entity;
  }

  volume(n: number, type: { id: string; name: string }): SimulatedEntity {
    const { draws, stream, tenantId, periodEnd } = this.context;
    const volumeId = draws.uuid();
    const createdAt = this.creationTime();
    let size = draws.pick(VOLUME_SIZES);
    let name = `p${this.context.index}-data-${n}`;
    const common = {
      volumeId,
      tenantId,
      volumeTypeId: type.id,
      uuid: stream.uuid,
      createdAt: new Date(createdAt),
    };
    const entity: SimulatedEntity = {
      kind: 'volume',
      id: volumeId,
      projectId: tenantId,
      segments: [{ start: createdAt, end: null, flavor: null, os: null, size, volumeType: type.name }],
    };
    const launched = createdAt + draws.integer(2, 30) * 1000;
    stream.cinder(
      launched,
      volumeCreated({
        ...common,
        name,
        size,
        messageId: draws.uuid(),
        launchedAt: new Date(launched),
        timestamp: new Date(launched),
      }),
    );

    let clock = launched;
    let attachedTo: string | undefined;
    for (let change = 0; change < MAX_CHANGES; change++) {
      clock += draws.integer(MIN_GAP_S, MAX_GAP_S) * 1000;
      if (clock >= periodEnd) break;
      const step = { ...common, name, size, messageId: draws.uuid(), timestamp: new Date(clock) };
      const action = draws.fraction();
      const running = this.instances.filter((instance) => instance.from < clock && clock < instance.until);
      if (action < 0.2) {
        stream.cinder(clock, volumeDeleted(step));
        closeSegment(entity, clock);
        break;
      }
      if (action < 0.45 && attachedTo === undefined && running.length > 0) {
        attachedTo = draws.pick(running).id;
        stream.cinder(clock, volumeAttached({ ...step, attachments: [attachedTo] }));
      } else if (action < 0.6 && attachedTo !== undefined) {
        stream.cinder(clock, volumeDetached({ ...step, attachments: [], detachedInstanceId: attachedTo }));
        attachedTo = undefined;
      } else if (action < 0.8) {
        size = draws.pick(VOLUME_SIZES.filter((other) => other > size).concat(size * 2));
        stream.cinder(clock, volumeResized({ ...step, size }));
        openSegment(entity, clock, { size });
      } else {
        name = `${name}-renamed`;
        stream.cinder(clock, volumeUpdated({ ...step, name, attachments: attachedTo ? [attachedTo] : [] }));
      }
    }
    return entity;
  }

  /** Within the first four fifths of the period, on a whole second. */
  private creationTime(): number {
    const { draws, periodStart, periodEnd } = this.context;
    const span = Math.floor(((periodEnd - periodStart) * 4) / 5 / 1000);
    return periodStart + draws.integer(0, span) * 1000;
  }
}

function imageMeta(os: Os): Record<string, string> {
  return { os_type: os.os_type, distro: os.distro, version: os.version };
}

function closeSegment(entity: SimulatedEntity, at: number): void {
  const current = entity.segments.at(-1);
  if (current) current.end = at;
}

function openSegment(
  entity: SimulatedEntity,
  at: number,
  change: Partial<SimulatedEntity['segments'][number]>,
): void {
  const current = entity.segments.at(-1);
  if (!current) return;
  closeSegment(entity, at);
  entity.segments.push({ ...current, ...change, start: at, end: null });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
