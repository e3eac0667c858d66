import {
  instanceCreated,
  instanceDeleted,
  instanceRebuilt,
  instanceResized,
  type OsloMessage,
  volumeAttached,
  volumeCreated,
  volumeDeleted,
  volumeDetached,
  volumeResized,
  volumeTypeCreated,
  volumeUpdated,
} from './notifications.ts';

/** A deterministic PRNG (mulberry32): the same seed gives the same stream on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_START = Date.parse('2016-11-24T00:00:00Z');
const FLAVORS = ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large'];
const DISTROS = ['ubuntu', 'centos', 'debian'];

/**
 * Realistic lifecycles of `entities` instances and volumes in a few projects over one simulated day:
 * creations, resizes, rebuilds, attachments, renames and deletions, as Nova and Cinder notify them, in
 * the order they happened. Message ids are derived from the seed, so streams are reproducible.
 */
export function usageStream(options: { seed: number; entities: number }): OsloMessage[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const uuid = () =>
    'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) =>
      (c === 'x' ? Math.floor(random() * 16) : 8 + Math.floor(random() * 4)).toString(16),
    );
  const projects = Array.from({ length: 5 }, () => uuid().replaceAll('-', ''));
  const types = ['standard', 'ssd', 'archive'].map((name) => ({ volumeTypeId: uuid(), name }));
  const instances: string[] = [];
  const stream: OsloMessage[] = types.map((type) => volumeTypeCreated({ ...type, messageId: uuid() }));
  const minute = (n: number) => new Date(DAY_START + n * 60_000);

  for (let n = 0; n < options.entities; n++) {
    const tenantId = pick(projects);
    let clock = Math.floor(random() * 600);
    const later = () => {
      clock += 1 + Math.floor(random() * 90);
      return minute(clock);
    };
    const createdAt = minute(clock);
    if (n % 2 === 0) {
      const instanceId = uuid();
      instances.push(instanceId);
      const imageMeta = { distro: pick(DISTROS), version: '1', os_type: 'linux' };
      stream.push(
        instanceCreated({
          instanceId,
          tenantId,
          flavor: pick(FLAVORS),
          imageMeta,
          createdAt,
          timestamp: createdAt,
          messageId: uuid(),
        }),
      );
      if (random() < 0.5)
        stream.push(
          instanceResized({
            instanceId,
            tenantId,
            flavor: pick(FLAVORS),
            timestamp: later(),
            messageId: uuid(),
          }),
        );
      if (random() < 0.3) {
        stream.push(
          instanceRebuilt({
            instanceId,
            tenantId,
            imageMeta: { ...imageMeta, distro: pick(DISTROS) },
            timestamp: later(),
            messageId: uuid(),
          }),
        );
      }
      if (random() < 0.6) {
        const end = later();
        stream.push(
          instanceDeleted({
            instanceId,
            tenantId,
            createdAt,
            deletedAt: end,
            terminatedAt: end,
            timestamp: end,
            messageId: uuid(),
          }),
        );
      }
    } else {
      const volumeId = uuid();
      const type = pick(types);
      stream.push(
        volumeCreated({
          volumeId,
          tenantId,
          volumeTypeId: type.volumeTypeId,
          size: 10,
          createdAt,
          timestamp: createdAt,
          messageId: uuid(),
        }),
      );
      const attachedTo = instances.length > 0 && random() < 0.7 ? [pick(instances)] : [];
      if (attachedTo.length > 0) {
        stream.push(
          volumeAttached({
            volumeId,
            tenantId,
            attachments: attachedTo,
            timestamp: later(),
            messageId: uuid(),
          }),
        );
        if (random() < 0.5)
          stream.push(
            volumeDetached({ volumeId, tenantId, attachments: [], timestamp: later(), messageId: uuid() }),
          );
      }
      if (random() < 0.4)
        stream.push(
          volumeResized({
            volumeId,
            tenantId,
            size: 20 + Math.floor(random() * 80),
            timestamp: later(),
            messageId: uuid(),
          }),
        );
      if (random() < 0.3)
        stream.push(
          volumeUpdated({ volumeId, tenantId, name: `renamed-${n}`, timestamp: later(), messageId: uuid() }),
        );
      if (random() < 0.5)
        stream.push(volumeDeleted({ volumeId, tenantId, timestamp: later(), messageId: uuid() }));
    }
  }
  return stream.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
