/** Realistic fixed values; ids of instances/volumes/messages/requests are random per call instead. */
export const DEFAULTS = {
  /** Keystone project and user ids are uuid4 hex without dashes. */
  tenantId: '0be9215b503b43279ae585d50a33aed8',
  userId: '2525317304464dc3a03f2a63e99200c8',
  projectName: 'acme-production',
  userName: 'jdoe',
  computeHost: 'compute-01',
  computeNode: 'compute-01.dc1.example.net',
  /** cinder-volume `host@backend`; a volume's `host` adds `#pool`. */
  volumeHost: 'cinder-01@lvm',
  /** Where cinder-api / nova-api / cinder-volume-usage-audit run (publisher of update.end, exists, volumeType). */
  apiHost: 'controller-01',
  availabilityZone: 'nova',
  imageId: 'ea0d5e26-a272-462a-9333-1e38813bac7b',
  glanceUrl: 'http://controller-01:9292',
  volumeTypeId: '4bd5e4c7-5e7b-4a41-9a0e-1c1d6f4b3f23',
  volumeTypeName: 'lvm-standard',
  flavor: 'm1.small',
  instanceName: 'web-01',
  volumeName: 'web-01-data',
  volumeSize: 10,
  /** A Fernet-looking but fake token: notifications really carry the caller's token in `_context_auth_token`. */
  authToken: 'gAAAAABYNwU7ZmFrZS10b2tlbi1mb3ItdGVzdHMtb25seS1ub3QtYS1yZWFsLWtleXN0b25lLXRva2Vu',
  remoteAddress: '10.20.30.40',
  imageMeta: {
    base_image_ref: 'ea0d5e26-a272-462a-9333-1e38813bac7b',
    container_format: 'bare',
    disk_format: 'qcow2',
    min_disk: '20',
    min_ram: '0',
    architecture: 'x86_64',
    os_type: 'linux',
    distro: 'ubuntu',
    version: '16.04',
  } as Readonly<Record<string, string>>,
} as const;

const at = (iso: string): Date => new Date(iso);

/**
 * The fixed instants builders use when no date is given (all UTC, 2016-11-24 unless noted). `context` is
 * `_context_timestamp` (the request time, what Almanach uses as the event date for most events), `emitted`
 * the oslo message `timestamp`. When a builder gets `timestamp`, both become that instant.
 */
export const DEFAULT_TIMES = {
  instanceCreate: {
    context: at('2016-11-24T15:14:07.912Z'),
    createdAt: at('2016-11-24T15:14:08Z'),
    launchedAt: at('2016-11-24T15:14:19Z'),
    emitted: at('2016-11-24T15:14:19.443Z'),
  },
  instanceResize: {
    context: at('2016-11-24T16:02:11.348Z'),
    launchedAt: at('2016-11-24T16:01:50Z'),
    emitted: at('2016-11-24T16:02:13.601Z'),
  },
  instanceRebuild: {
    context: at('2016-11-24T17:05:40.118Z'),
    launchedAt: at('2016-11-24T17:06:02Z'),
    emitted: at('2016-11-24T17:06:02.937Z'),
  },
  instanceDelete: {
    context: at('2016-11-24T18:24:31.207Z'),
    terminatedAt: at('2016-11-24T18:24:33Z'),
    deletedAt: at('2016-11-24T18:24:34Z'),
    emitted: at('2016-11-24T18:24:34.512Z'),
  },
  volumeTypeCreate: {
    context: at('2016-11-24T15:09:58.220Z'),
    createdAt: at('2016-11-24T15:09:58Z'),
    emitted: at('2016-11-24T15:09:58.412Z'),
  },
  volumeCreate: {
    context: at('2016-11-24T15:20:02.551Z'),
    createdAt: at('2016-11-24T15:20:03Z'),
    launchedAt: at('2016-11-24T15:20:06.770Z'),
    emitted: at('2016-11-24T15:20:06.812Z'),
  },
  volumeAttach: { context: at('2016-11-24T15:31:12.006Z'), emitted: at('2016-11-24T15:31:14.522Z') },
  volumeResize: { context: at('2016-11-24T16:40:00.904Z'), emitted: at('2016-11-24T16:40:05.338Z') },
  volumeUpdate: { context: at('2016-11-24T17:45:21.441Z'), emitted: at('2016-11-24T17:45:21.503Z') },
  volumeDetach: { context: at('2016-11-24T18:20:05.117Z'), emitted: at('2016-11-24T18:20:07.650Z') },
  volumeDelete: { context: at('2016-11-24T19:11:40.184Z'), emitted: at('2016-11-24T19:11:42.600Z') },
  /** cinder-volume-usage-audit runs after the audited day: period 2016-11-24 00:00 → 2016-11-25 00:00. */
  volumeExists: {
    context: at('2016-11-25T00:05:01.302Z'),
    emitted: at('2016-11-25T00:05:03.118Z'),
    auditBeginning: at('2016-11-24T00:00:00Z'),
    auditEnding: at('2016-11-25T00:00:00Z'),
  },
} as const;
