/**
 * Builders of realistic OpenStack notifications, as Nova and Cinder publish them on RabbitMQ through
 * oslo.messaging with the `messagingv2` driver. Every builder returns the INNER message (what
 * `oslo.message` holds once parsed); wrap it with `osloEnvelope` / `rabbitBody` to get what travels.
 *
 * Grounded in (all public sources):
 * - oslo.messaging `notify/notifier.py` `_notify`: message_id (uuid4), publisher_id, event_type, priority,
 *   payload, `timestamp=str(timeutils.utcnow())`; `_drivers/amqpdriver.py` `_send`: `_add_unique_id`
 *   (`_unique_id`, uuid4 hex) then `pack_context` (every context key flattened as `_context_<key>`), then
 *   `_drivers/common.py` `serialize_msg` → `{"oslo.version": "2.0", "oslo.message": jsonutils.dumps(msg)}`.
 * - nova `nova/notifications/base.py` `info_from_instance` (payload fields and date formats) and
 *   `nova/compute/utils.py` `notify_about_instance_usage` (event type `compute.instance.<suffix>`);
 *   `nova/context.py` `to_dict` (the `_context_*` keys).
 * - cinder `cinder/volume/utils.py` `_usage_from_volume` / `notify_about_volume_usage` (newer: isoformat()
 *   dates, `host`, replication fields, `metadata`, `volume_attachment`; Icehouse/Juno: `str()` dates and a
 *   top-level `instance_uuid`), `cinder/api/contrib/types_manage.py` `_notify_volume_type_info`
 *   (`{volume_types: <type dict>}`, publisher `volumeType.<host>`).
 * - oslo.serialization `jsonutils.to_primitive`: datetimes nested in payloads (attachment times, volume
 *   type created_at) become `%Y-%m-%dT%H:%M:%S.%f`.
 * - openstack-archive/almanach `integration_tests/builders/messages.py` (sample values) and
 *   `almanach/collector/handlers/*.py` (which fields Almanach reads: payload.created_at for creations,
 *   payload.terminated_at for instance deletion, `_context_timestamp` for resize/rebuild and every
 *   volume event but creation).
 *
 * Date handling: a `string` is used VERBATIM (to feed odd shapes); a `Date` is formatted the way the real
 * service formats that field (see the `format*` helpers and the per-field notes below). JS Dates carry
 * milliseconds, so microseconds are always `ms * 1000`.
 */
import { randomUUID } from 'node:crypto';

export type DateInput = string | Date;

export interface OsloMessage {
  message_id: string;
  event_type: string;
  publisher_id: string;
  priority: string;
  timestamp: string;
  payload: Record<string, unknown>;
  /** Added by oslo.messaging's AMQP driver to every message (uuid4 hex, 32 chars). */
  _unique_id?: string;
  [contextKey: `_context_${string}`]: unknown;
}

export interface OsloEnvelope {
  'oslo.version': '2.0';
  'oslo.message': string;
}

// ---------------------------------------------------------------------------------------------------------
// Date formats
// ---------------------------------------------------------------------------------------------------------

function splitUtc(d: Date): { day: string; time: string; micro: string; hasFraction: boolean } {
  const iso = d.toISOString();
  const millis = d.getUTCMilliseconds();
  return {
    day: iso.slice(0, 10),
    time: iso.slice(11, 19),
    micro: String(millis * 1000).padStart(6, '0'),
    hasFraction: millis !== 0,
  };
}

/**
 * oslo.messaging's message `timestamp`: `str(timeutils.utcnow())` on a naive UTC datetime →
 * `2016-11-24 15:15:05.123456`. Always six fraction digits here (Python itself drops the fraction when the
 * microseconds are exactly 0 — see `formatPyStr` for that exact behaviour).
 */
export function formatNovaTimestamp(d: Date): string {
  const { day, time, micro } = splitUtc(d);
  return `${day} ${time}.${micro}`;
}

/**
 * Python `str(datetime)`: `2016-11-24 15:14:08` / `2016-11-24 15:14:08.123000`, plus `+00:00` for an aware
 * datetime. The fraction is printed only when microseconds are non-zero (Python's behaviour).
 * Nova `created_at` (aware), Cinder Icehouse/Juno `created_at`/`launched_at` (naive), Cinder
 * `audit_period_beginning`/`audit_period_ending` (naive).
 */
export function formatPyStr(d: Date, aware: boolean): string {
  const { day, time, micro, hasFraction } = splitUtc(d);
  return `${day} ${time}${hasFraction ? `.${micro}` : ''}${aware ? '+00:00' : ''}`;
}

/**
 * Python `datetime.isoformat()`: `2016-11-24T15:14:08+00:00` / `2016-11-24T15:14:08.602157+00:00` (aware)
 * or without the zone (naive). Fraction only when non-zero. Newer Cinder `created_at`/`launched_at`
 * (aware), Cinder `_context_timestamp` (naive).
 */
export function formatPyIsoformat(d: Date, aware: boolean): string {
  const { day, time, micro, hasFraction } = splitUtc(d);
  return `${day}T${time}${hasFraction ? `.${micro}` : ''}${aware ? '+00:00' : ''}`;
}

/**
 * `strftime('%Y-%m-%dT%H:%M:%S.%f')` (nova `utils.strtime`, oslo `timeutils.PERFECT_TIME_FORMAT`, used by
 * `jsonutils.to_primitive`): `2016-11-24T18:24:34.000000`, always six digits, no zone. Nova
 * `launched_at`/`terminated_at`/`deleted_at`, Nova `_context_timestamp`, Cinder attachment times and
 * volume type `created_at`.
 */
export function formatStrtime(d: Date): string {
  const { day, time, micro } = splitUtc(d);
  return `${day}T${time}.${micro}`;
}

type DateFormatter = (d: Date) => string;
const pyStrAware: DateFormatter = (d) => formatPyStr(d, true);
const pyStrNaive: DateFormatter = (d) => formatPyStr(d, false);
const pyIsoAware: DateFormatter = (d) => formatPyIsoformat(d, true);
const pyIsoNaive: DateFormatter = (d) => formatPyIsoformat(d, false);

function fmt(value: DateInput, formatter: DateFormatter): string {
  return typeof value === 'string' ? value : formatter(value);
}

/**
 * Default instants are whole milliseconds (see DEFAULT_TIMES) but real request/emission times carry
 * microseconds: defaults get three extra sub-millisecond digits (`.443` → `.443021`), which a
 * millisecond-precision parser truncates back to the DEFAULT_TIMES value. Given Dates are formatted as is.
 */
function withSubMillis(text: string): string {
  return text.replace(/(\.\d{3})000(\+00:00)?$/, '$1021$2');
}

function fmtOrDefault(value: DateInput | undefined, fallback: Date, formatter: DateFormatter): string {
  return value === undefined ? withSubMillis(formatter(fallback)) : fmt(value, formatter);
}

/** Best-effort read of a DateInput to derive dependent defaults; zone-less strings are UTC (as OpenStack's). */
function asDate(value: DateInput | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  const text = value.trim().replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const at = (iso: string): Date => new Date(iso);
const plusSeconds = (d: Date, seconds: number): Date => new Date(d.getTime() + seconds * 1000);

// ---------------------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------------------

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

/** Nova's default flavors (name → flavorid, DB id, sizes). Other names get m1.small's sizes. */
interface FlavorSpec {
  flavorId: string;
  dbId: number;
  memoryMb: number;
  vcpus: number;
  rootGb: number;
  ephemeralGb: number;
}
const FLAVORS: Record<string, FlavorSpec> = {
  'm1.tiny': { flavorId: '1', dbId: 2, memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0 },
  'm1.small': { flavorId: '2', dbId: 5, memoryMb: 2048, vcpus: 1, rootGb: 20, ephemeralGb: 0 },
  'm1.medium': { flavorId: '3', dbId: 1, memoryMb: 4096, vcpus: 2, rootGb: 40, ephemeralGb: 0 },
  'm1.large': { flavorId: '4', dbId: 3, memoryMb: 8192, vcpus: 4, rootGb: 80, ephemeralGb: 0 },
  'm1.xlarge': { flavorId: '5', dbId: 4, memoryMb: 16384, vcpus: 8, rootGb: 160, ephemeralGb: 0 },
};
const CUSTOM_FLAVOR: FlavorSpec = {
  flavorId: '',
  dbId: 12,
  memoryMb: 2048,
  vcpus: 1,
  rootGb: 20,
  ephemeralGb: 0,
};

// ---------------------------------------------------------------------------------------------------------
// Envelope and context
// ---------------------------------------------------------------------------------------------------------

/** What travels on RabbitMQ: oslo.messaging `_drivers/common.py` `serialize_msg`. */
export function osloEnvelope(message: OsloMessage): OsloEnvelope {
  return { 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) };
}

/** The exact body the ingest reads: the v2 envelope, serialized. */
export function rabbitBody(message: OsloMessage): string {
  return JSON.stringify(osloEnvelope(message));
}

export interface CommonOptions {
  tenantId?: string;
  userId?: string;
  /** The request time: `_context_timestamp`, and also the message `timestamp` unless `emittedAt` is given. */
  timestamp?: DateInput;
  /** The oslo message `timestamp` (when the service emitted it). Defaults to `timestamp`. */
  emittedAt?: DateInput;
  messageId?: string;
  requestId?: string;
  /** Full publisher_id override, e.g. `compute.compute-07`. */
  publisherId?: string;
  /** Extra/overriding context keys, WITHOUT the `_context_` prefix (e.g. `{ retry_count: 1 }`). */
  context?: Record<string, unknown>;
  /** Merged last into the payload, for odd shapes (a key set to `undefined` is removed). */
  payload?: Record<string, unknown>;
  /** Where the ids nobody asks for come from (request id, `_unique_id`, attachment rows); seeded in the simulator. */
  uuid?: () => string;
}

type Service = 'nova' | 'cinder';

interface Envelope {
  service: Service;
  eventType: string;
  publisherId: string;
  contextTime: Date;
  emitted: Date;
  payload: Record<string, unknown>;
  admin?: boolean;
}

function buildMessage(env: Envelope, o: CommonOptions): OsloMessage {
  const tenantId = o.tenantId ?? DEFAULTS.tenantId;
  const userId = o.userId ?? DEFAULTS.userId;
  const payload = o.payload ? mergeDefined(env.payload, o.payload) : env.payload;
  const uuid = o.uuid ?? randomUUID;
  const requestId = o.requestId ?? `req-${uuid()}`;
  const message: OsloMessage = {
    message_id: o.messageId ?? uuid(),
    publisher_id: o.publisherId ?? env.publisherId,
    event_type: env.eventType,
    priority: 'INFO',
    payload,
    timestamp: fmtOrDefault(o.emittedAt ?? o.timestamp, env.emitted, formatNovaTimestamp),
    _unique_id: uuid().replace(/-/g, ''),
  };
  const contextTime = fmtOrDefault(
    o.timestamp,
    env.contextTime,
    env.service === 'nova' ? formatStrtime : pyIsoNaive,
  );
  const context = env.admin
    ? adminContext(contextTime, requestId)
    : userContext(env.service, contextTime, tenantId, userId, requestId);
  Object.assign(message, context);
  if (o.context) {
    for (const [key, value] of Object.entries(o.context)) message[`_context_${key}`] = value;
  }
  return message;
}

/** oslo.context `to_dict` + nova/cinder `RequestContext.to_dict` extras, flattened by `pack_context`. */
function userContext(
  service: Service,
  timestamp: string,
  tenantId: string,
  userId: string,
  requestId: string,
): Record<`_context_${string}`, unknown> {
  const common = {
    _context_auth_token: DEFAULTS.authToken,
    _context_domain: null,
    _context_is_admin: false,
    _context_is_admin_project: true,
    _context_project_domain: 'default',
    _context_project_id: tenantId,
    _context_project_name: DEFAULTS.projectName,
    _context_quota_class: null,
    _context_read_deleted: 'no',
    _context_read_only: false,
    _context_remote_address: DEFAULTS.remoteAddress,
    _context_request_id: requestId,
    _context_resource_uuid: null,
    _context_roles: ['_member_', 'Member'],
    _context_show_deleted: false,
    _context_tenant: tenantId,
    _context_timestamp: timestamp,
    _context_user: userId,
    _context_user_domain: 'default',
    _context_user_id: userId,
    _context_user_identity: `${userId} ${tenantId} - default default`,
    _context_user_name: DEFAULTS.userName,
  };
  if (service === 'nova') {
    return {
      ...common,
      _context_instance_lock_checked: false,
      // Nova keeps only the catalog entries it needs to call other services (volume, network...).
      _context_service_catalog: [
        {
          type: 'volumev2',
          name: 'cinderv2',
          endpoints: [
            {
              region: 'RegionOne',
              publicURL: `http://controller-01:8776/v2/${tenantId}`,
              internalURL: `http://controller-01:8776/v2/${tenantId}`,
              adminURL: `http://controller-01:8776/v2/${tenantId}`,
            },
          ],
        },
      ],
    };
  }
  return {
    ...common,
    _context_service_catalog: [
      {
        type: 'compute',
        name: 'nova',
        endpoints: [{ region: 'RegionOne', publicURL: `http://controller-01:8774/v2.1/${tenantId}` }],
      },
    ],
  };
}

/** Periodic jobs (cinder-volume-usage-audit) use an admin context: no user, no project, no token. */
function adminContext(timestamp: string, requestId: string): Record<`_context_${string}`, unknown> {
  return {
    _context_auth_token: null,
    _context_domain: null,
    _context_is_admin: true,
    _context_is_admin_project: true,
    _context_project_domain: null,
    _context_project_id: null,
    _context_project_name: null,
    _context_quota_class: null,
    _context_read_deleted: 'no',
    _context_read_only: false,
    _context_remote_address: null,
    _context_request_id: requestId,
    _context_resource_uuid: null,
    _context_roles: ['admin'],
    _context_service_catalog: [],
    _context_show_deleted: false,
    _context_tenant: null,
    _context_timestamp: timestamp,
    _context_user: null,
    _context_user_domain: null,
    _context_user_id: null,
    _context_user_identity: '- - - - -',
    _context_user_name: null,
  };
}

function mergeDefined(
  base: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------------------
// Nova (legacy, unversioned) instance notifications
// ---------------------------------------------------------------------------------------------------------

export interface InstanceOptions extends CommonOptions {
  instanceId?: string;
  /** display_name; hostname is derived the way Nova sanitizes it (`My VM` → `my-vm`) unless `hostname`. */
  name?: string;
  hostname?: string;
  /** Flavor NAME (payload.instance_type); sizes follow Nova's default flavors. */
  flavor?: string;
  /** payload.created_at. Date → `2016-11-24 15:14:08+00:00` (Nova: `str(instance.created_at)`). */
  createdAt?: DateInput;
  /** payload.launched_at. Date → `2016-11-24T15:14:19.000000` (Nova: `utils.strtime`). */
  launchedAt?: DateInput;
  /** Shallow-merged into realistic image properties (all strings, as in system_metadata); undefined removes. */
  imageMeta?: Record<string, unknown>;
  /** payload.metadata (server metadata). Default `{}`; some releases/paths send `[]`. */
  metadata?: Record<string, unknown> | unknown[];
  /** payload.state (vm_state): building, active, stopped, error, deleted... */
  state?: string;
  /** Payload host (compute service) and node (hypervisor hostname). */
  host?: string;
  node?: string;
}

export interface InstanceDeletedOptions extends InstanceOptions {
  /** payload.deleted_at. Date → `2016-11-24T18:24:34.000000`. Defaults to terminatedAt. */
  deletedAt?: DateInput;
  /** payload.terminated_at (what Almanach uses as the end). Date → `2016-11-24T18:24:33.000000`. Defaults to deletedAt. */
  terminatedAt?: DateInput;
}

/** nova.utils.sanitize_hostname (approximately): spaces/underscores → '-', drop other symbols, lowercase. */
function sanitizeHostname(name: string): string {
  return name
    .replace(/[ _]/g, '-')
    .replace(/[^\w.-]+/g, '')
    .toLowerCase()
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 63);
}

interface InstanceEvent {
  suffix: string;
  times: { context: Date; emitted: Date };
  state: string;
  withNetwork: boolean;
  extra: Record<string, unknown>;
  publisherHost?: string;
}

function instanceMessage(o: InstanceOptions, ev: InstanceEvent, dates: Record<string, string>): OsloMessage {
  const instanceId = o.instanceId ?? randomUUID();
  const tenantId = o.tenantId ?? DEFAULTS.tenantId;
  const name = o.name ?? DEFAULTS.instanceName;
  const flavorName = o.flavor ?? DEFAULTS.flavor;
  const flavor = FLAVORS[flavorName] ?? { ...CUSTOM_FLAVOR, flavorId: flavorName };
  const imageMeta = o.imageMeta ? mergeDefined(DEFAULTS.imageMeta, o.imageMeta) : { ...DEFAULTS.imageMeta };
  const imageRef = typeof imageMeta.base_image_ref === 'string' ? imageMeta.base_image_ref : DEFAULTS.imageId;
  const host = o.host ?? DEFAULTS.computeHost;
  const hex = instanceId.replace(/-/g, '');
  const payload: Record<string, unknown> = {
    tenant_id: tenantId,
    user_id: o.userId ?? DEFAULTS.userId,
    instance_id: instanceId,
    display_name: name,
    reservation_id: `r-${hex.slice(0, 8)}`,
    hostname: o.hostname ?? sanitizeHostname(name),
    instance_type: flavorName,
    instance_type_id: flavor.dbId,
    instance_flavor_id: flavor.flavorId,
    architecture: imageMeta.architecture ?? null,
    memory_mb: flavor.memoryMb,
    disk_gb: flavor.rootGb + flavor.ephemeralGb,
    vcpus: flavor.vcpus,
    root_gb: flavor.rootGb,
    ephemeral_gb: flavor.ephemeralGb,
    host,
    node: o.node ?? (host === DEFAULTS.computeHost ? DEFAULTS.computeNode : `${host}.dc1.example.net`),
    availability_zone: DEFAULTS.availabilityZone,
    cell_name: '',
    created_at: dates.created_at,
    terminated_at: dates.terminated_at ?? '',
    deleted_at: dates.deleted_at ?? '',
    launched_at: dates.launched_at,
    image_ref_url: `${DEFAULTS.glanceUrl}/images/${imageRef}`,
    os_type: imageMeta.os_type ?? null,
    kernel_id: '',
    ramdisk_id: '',
    state: o.state ?? ev.state,
    state_description: '',
    // Legacy quirk kept by Nova: progress is '' rather than 0 when unset.
    progress: '',
    access_ip_v4: null,
    access_ip_v6: null,
    image_meta: imageMeta,
    metadata: o.metadata ?? {},
    ...ev.extra,
  };
  if (ev.withNetwork) {
    const octet = (Number.parseInt(hex.slice(0, 2), 16) % 250) + 3;
    payload.fixed_ips = [
      {
        address: `10.0.0.${octet}`,
        floating_ips: [],
        label: 'private',
        meta: {},
        type: 'fixed',
        version: 4,
        vif_mac: `fa:16:3e:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`,
      },
    ];
  }
  return buildMessage(
    {
      service: 'nova',
      eventType: `compute.instance.${ev.suffix}`,
      publisherId: `compute.${ev.publisherHost ?? host}`,
      contextTime: ev.times.context,
      emitted: ev.times.emitted,
      payload,
    },
    { ...o, tenantId },
  );
}

/** `compute.instance.create.end` (from the compute host, with `fixed_ips` and `message: "Success"`). */
export function instanceCreated(o: InstanceOptions = {}): OsloMessage {
  const d = DEFAULT_TIMES.instanceCreate;
  const createdDate = asDate(o.createdAt);
  const launched = o.launchedAt ?? (createdDate ? plusSeconds(createdDate, 11) : d.launchedAt);
  // A test that moves the creation in time moves the request/emission with it (unless it sets timestamp).
  const moved = o.launchedAt !== undefined || o.createdAt !== undefined;
  const timestamp = o.timestamp ?? (moved ? asDate(launched) : undefined);
  return instanceMessage(
    { ...o, timestamp },
    { suffix: 'create.end', times: d, state: 'active', withNetwork: true, extra: { message: 'Success' } },
    {
      created_at: fmt(o.createdAt ?? d.createdAt, pyStrAware),
      launched_at: fmt(launched, formatStrtime),
    },
  );
}

/**
 * `compute.instance.create.error`: the build failed on the compute host. Nova adds the fault's `message` and
 * `code`; the instance is still `building`, never launched.
 */
export function instanceCreateFailed(o: InstanceOptions & { fault?: string } = {}): OsloMessage {
  const d = DEFAULT_TIMES.instanceCreate;
  return instanceMessage(
    o,
    {
      suffix: 'create.error',
      times: d,
      state: 'building',
      withNetwork: false,
      extra: { message: o.fault ?? 'Build of instance aborted: Failure prepping block device.', code: 500 },
    },
    { created_at: fmt(o.createdAt ?? d.createdAt, pyStrAware), launched_at: '' },
  );
}

/**
 * `compute.instance.delete.end`. No `fixed_ips` (Nova does not pass network_info for delete.end);
 * state `deleted`; terminated_at and deleted_at set.
 */
export function instanceDeleted(o: InstanceDeletedOptions = {}): OsloMessage {
  const d = DEFAULT_TIMES.instanceDelete;
  const terminated = o.terminatedAt ?? o.deletedAt ?? d.terminatedAt;
  const deleted = o.deletedAt ?? o.terminatedAt ?? d.deletedAt;
  const given = o.terminatedAt ?? o.deletedAt;
  const timestamp = o.timestamp ?? (given instanceof Date ? given : undefined);
  return instanceMessage(
    { ...o, timestamp },
    { suffix: 'delete.end', times: d, state: 'deleted', withNetwork: false, extra: {} },
    {
      created_at: fmt(o.createdAt ?? DEFAULT_TIMES.instanceCreate.createdAt, pyStrAware),
      launched_at: fmt(o.launchedAt ?? DEFAULT_TIMES.instanceCreate.launchedAt, formatStrtime),
      terminated_at: fmt(terminated, formatStrtime),
      deleted_at: fmt(deleted, formatStrtime),
    },
  );
}

/**
 * `compute.instance.resize.confirm.end`: `instance_type` is the NEW flavor. confirm_resize runs on the
 * source compute, so publisher_id is `compute.compute-01` while payload.host is the destination
 * (`compute-02` by default). launched_at is the resize finish time (finish_resize resets it).
 */
export function instanceResized(o: InstanceOptions = {}): OsloMessage {
  const d = DEFAULT_TIMES.instanceResize;
  return instanceMessage(
    { ...o, flavor: o.flavor ?? 'm1.medium', host: o.host ?? 'compute-02' },
    {
      suffix: 'resize.confirm.end',
      times: d,
      state: 'active',
      withNetwork: true,
      extra: {},
      publisherHost: DEFAULTS.computeHost,
    },
    {
      created_at: fmt(o.createdAt ?? DEFAULT_TIMES.instanceCreate.createdAt, pyStrAware),
      launched_at: fmt(o.launchedAt ?? d.launchedAt, formatStrtime),
    },
  );
}

/** `compute.instance.rebuild.end`: image_meta of the NEW image, plus `image_name`. */
export function instanceRebuilt(o: InstanceOptions = {}): OsloMessage {
  const d = DEFAULT_TIMES.instanceRebuild;
  const imageMeta = o.imageMeta ?? {
    base_image_ref: '7f1c6b2e-0a5d-4c0e-9a43-3be6a0f1d2c9',
    distro: 'centos',
    version: '7',
  };
  const distro = typeof imageMeta.distro === 'string' ? imageMeta.distro : 'image';
  return instanceMessage(
    { ...o, imageMeta },
    {
      suffix: 'rebuild.end',
      times: d,
      state: 'active',
      withNetwork: true,
      extra: { image_name: `${distro} ${String(imageMeta.version ?? '')}`.trim() },
    },
    {
      created_at: fmt(o.createdAt ?? DEFAULT_TIMES.instanceCreate.createdAt, pyStrAware),
      launched_at: fmt(o.launchedAt ?? d.launchedAt, formatStrtime),
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Cinder volume notifications
// ---------------------------------------------------------------------------------------------------------

/**
 * - `volume_attachment` (default): newer Cinder (multi-attach era, Liberty+/objects): isoformat dates,
 *   `host`, replication fields, `metadata: []`, `volume_attachment` list (non-detached attachments only).
 * - `instance_uuid`: Icehouse/Juno: `str()` dates (`2016-11-24 15:20:03`), a top-level `instance_uuid`,
 *   no `host`/replication/metadata/volume_attachment.
 */
export type VolumeFormat = 'volume_attachment' | 'instance_uuid';

export interface VolumeOptions extends CommonOptions {
  volumeId?: string;
  /** display_name. */
  name?: string;
  /** payload.volume_type is the volume type ID (uuid), not its name. */
  volumeTypeId?: string;
  /** GB, integer. */
  size?: number;
  /** Date → `2016-11-24T15:20:03+00:00` (newer, isoformat) or `2016-11-24 15:20:03` (instance_uuid format). */
  createdAt?: DateInput;
  launchedAt?: DateInput;
  status?: string;
  /** payload.metadata; default `[]` (newer format). */
  metadata?: Record<string, unknown> | unknown[];
  /** Volume `host` (`host@backend#pool`). */
  host?: string;
  format?: VolumeFormat;
}

export interface VolumeAttachOptions extends VolumeOptions {
  /** Instance uuids the volume is attached to after the event (newer format lists them all). */
  attachments?: string[];
}

export interface VolumeDetachOptions extends VolumeOptions {
  /** Instance uuids STILL attached after the detach (newer format). Default `[]`. */
  attachments?: string[];
  /** instance_uuid format: the instance being detached (payload.instance_uuid). Default: a random uuid. */
  detachedInstanceId?: string | null;
}

export interface VolumeExistsOptions extends VolumeOptions {
  attachments?: string[];
  /** Date → `2016-11-24 00:00:00` (Cinder: `str(begin)` of a naive datetime). */
  auditPeriodBeginning?: DateInput;
  auditPeriodEnding?: DateInput;
}

export interface VolumeTypeOptions extends CommonOptions {
  volumeTypeId?: string;
  name?: string;
  description?: string | null;
  isPublic?: boolean;
  extraSpecs?: Record<string, string>;
  /** Date → `2016-11-24T15:09:58.000000` (jsonutils.to_primitive of the DB row). */
  createdAt?: DateInput;
}

interface VolumeEvent {
  suffix: string;
  times: { context: Date; emitted: Date };
  status: string;
  attachments: string[];
  /** instance_uuid format: the value of payload.instance_uuid. */
  legacyInstance: string | null;
  publisherHost?: string;
  extra?: Record<string, unknown>;
  admin?: boolean;
}

function volumeMessage(o: VolumeOptions, ev: VolumeEvent): OsloMessage {
  const volumeId = o.volumeId ?? randomUUID();
  const tenantId = o.tenantId ?? DEFAULTS.tenantId;
  const legacy = o.format === 'instance_uuid';
  const eventTime = asDate(o.timestamp) ?? ev.times.context;
  const created = o.createdAt ?? DEFAULT_TIMES.volumeCreate.createdAt;
  const launched = (formatter: DateFormatter): string =>
    fmtOrDefault(o.launchedAt, DEFAULT_TIMES.volumeCreate.launchedAt, formatter);
  const common = {
    tenant_id: tenantId,
    user_id: o.userId ?? DEFAULTS.userId,
    availability_zone: DEFAULTS.availabilityZone,
    volume_id: volumeId,
    volume_type: o.volumeTypeId ?? DEFAULTS.volumeTypeId,
    display_name: o.name ?? DEFAULTS.volumeName,
    status: o.status ?? ev.status,
    snapshot_id: null,
    size: o.size ?? DEFAULTS.volumeSize,
  };
  const payload: Record<string, unknown> = legacy
    ? {
        ...common,
        instance_uuid: ev.legacyInstance,
        launched_at: launched(pyStrNaive),
        created_at: fmt(created, pyStrNaive),
        ...ev.extra,
      }
    : {
        ...common,
        host: o.host ?? `${DEFAULTS.volumeHost}#lvm`,
        launched_at: launched(pyIsoAware),
        created_at: fmt(created, pyIsoAware),
        replication_status: 'disabled',
        replication_extended_status: null,
        replication_driver_data: null,
        metadata: o.metadata ?? [],
        ...ev.extra,
        volume_attachment: ev.attachments.map((instanceUuid, i) =>
          attachmentRecord(
            o.uuid ?? randomUUID,
            volumeId,
            instanceUuid,
            i,
            plusSeconds(eventTime, -60 * (ev.attachments.length - 1 - i)),
          ),
        ),
      };
  return buildMessage(
    {
      service: 'cinder',
      eventType: `volume.${ev.suffix}`,
      publisherId: `volume.${ev.publisherHost ?? DEFAULTS.volumeHost}`,
      contextTime: ev.times.context,
      emitted: ev.times.emitted,
      payload,
      admin: ev.admin,
    },
    { ...o, tenantId },
  );
}

/** A `volume_attachment` DB row as jsonutils.to_primitive serializes it (datetimes in strtime format). */
function attachmentRecord(
  uuid: () => string,
  volumeId: string,
  instanceUuid: string,
  index: number,
  attachTime: Date,
) {
  const attached = formatStrtime(new Date(Math.floor(attachTime.getTime() / 1000) * 1000));
  return {
    id: uuid(),
    volume_id: volumeId,
    instance_uuid: instanceUuid,
    attached_host: null,
    mountpoint: `/dev/vd${String.fromCharCode(98 + (index % 24))}`,
    attach_time: attached,
    detach_time: null,
    attach_mode: 'rw',
    attach_status: 'attached',
    created_at: attached,
    updated_at: attached,
    deleted_at: null,
    deleted: false,
  };
}

/** `volume.create.end` (cinder-volume): status available, no attachment, launched_at with microseconds. */
export function volumeCreated(o: VolumeOptions = {}): OsloMessage {
  const d = DEFAULT_TIMES.volumeCreate;
  const createdDate = asDate(o.createdAt);
  const launchedAt = o.launchedAt ?? (createdDate ? plusSeconds(createdDate, 3.77) : undefined);
  const timestamp = o.timestamp ?? (o.createdAt !== undefined ? asDate(launchedAt) : undefined);
  return volumeMessage(
    { ...o, launchedAt, timestamp },
    { suffix: 'create.end', times: d, status: 'available', attachments: [], legacyInstance: null },
  );
}

/** `volume.delete.end` (cinder-volume): status `deleting` (the object is not refreshed after deletion). */
export function volumeDeleted(o: VolumeOptions = {}): OsloMessage {
  return volumeMessage(o, {
    suffix: 'delete.end',
    times: DEFAULT_TIMES.volumeDelete,
    status: 'deleting',
    attachments: [],
    legacyInstance: null,
  });
}

/** `volume.resize.end` (cinder-volume): payload.size is the NEW size (default 20). */
export function volumeResized(o: VolumeOptions = {}): OsloMessage {
  return volumeMessage(
    { ...o, size: o.size ?? 20 },
    {
      suffix: 'resize.end',
      times: DEFAULT_TIMES.volumeResize,
      status: 'available',
      attachments: [],
      legacyInstance: null,
    },
  );
}

/**
 * `volume.attach.end`. Newer format: `volume_attachment` lists every current attachment (the new one last).
 * instance_uuid format: payload.instance_uuid is `attachments[0]` (no multi-attach then).
 */
export function volumeAttached(o: VolumeAttachOptions = {}): OsloMessage {
  const attachments = o.attachments ?? [randomUUID()];
  return volumeMessage(o, {
    suffix: 'attach.end',
    times: DEFAULT_TIMES.volumeAttach,
    status: 'in-use',
    attachments,
    legacyInstance: attachments[0] ?? null,
  });
}

/**
 * `volume.detach.end`. Newer format: `volume_attachment` holds the attachments that REMAIN (detached
 * rows are filtered out), status `in-use` if some remain else `available`. instance_uuid format:
 * payload.instance_uuid is the instance being detached.
 */
export function volumeDetached(o: VolumeDetachOptions = {}): OsloMessage {
  const remaining = o.attachments ?? [];
  return volumeMessage(o, {
    suffix: 'detach.end',
    times: DEFAULT_TIMES.volumeDetach,
    status: remaining.length > 0 && o.format !== 'instance_uuid' ? 'in-use' : 'available',
    attachments: remaining,
    legacyInstance: o.detachedInstanceId === undefined ? randomUUID() : o.detachedInstanceId,
  });
}

/** `volume.update.end` (rename): sent by cinder-api, so publisher_id is `volume.controller-01`. */
export function volumeUpdated(o: VolumeAttachOptions = {}): OsloMessage {
  const attachments = o.attachments ?? [];
  return volumeMessage(o, {
    suffix: 'update.end',
    times: DEFAULT_TIMES.volumeUpdate,
    status: attachments.length > 0 ? 'in-use' : 'available',
    attachments,
    legacyInstance: attachments[0] ?? null,
    publisherHost: DEFAULTS.apiHost,
  });
}

/** `volume.exists` (cinder-volume-usage-audit, admin context): adds audit_period_beginning/ending. */
export function volumeExists(o: VolumeExistsOptions = {}): OsloMessage {
  const d = DEFAULT_TIMES.volumeExists;
  const attachments = o.attachments ?? [];
  return volumeMessage(o, {
    suffix: 'exists',
    times: d,
    status: attachments.length > 0 ? 'in-use' : 'available',
    attachments,
    legacyInstance: attachments[0] ?? null,
    publisherHost: DEFAULTS.apiHost,
    admin: true,
    extra: {
      audit_period_beginning: fmt(o.auditPeriodBeginning ?? d.auditBeginning, pyStrNaive),
      audit_period_ending: fmt(o.auditPeriodEnding ?? d.auditEnding, pyStrNaive),
    },
  });
}

/**
 * `volume_type.create` (cinder-api, publisher `volumeType.controller-01`): payload
 * `{volume_types: <DB row as dict>}`, extra_specs as a plain dict.
 */
export function volumeTypeCreated(o: VolumeTypeOptions = {}): OsloMessage {
  const d = DEFAULT_TIMES.volumeTypeCreate;
  const volumeType = {
    id: o.volumeTypeId ?? DEFAULTS.volumeTypeId,
    name: o.name ?? DEFAULTS.volumeTypeName,
    description: o.description === undefined ? null : o.description,
    is_public: o.isPublic ?? true,
    extra_specs: o.extraSpecs ?? { volume_backend_name: 'lvm' },
    qos_specs_id: null,
    created_at: fmt(o.createdAt ?? d.createdAt, formatStrtime),
    updated_at: null,
    deleted: false,
    deleted_at: null,
  };
  return buildMessage(
    {
      service: 'cinder',
      eventType: 'volume_type.create',
      publisherId: `volumeType.${DEFAULTS.apiHost}`,
      contextTime: d.context,
      emitted: d.emitted,
      payload: { volume_types: volumeType },
    },
    o,
  );
}

/**
 * An event Almanach ignores. `compute.*` gets an instance payload (state `stopped`), `volume.*`/`snapshot.*`
 * a volume payload, anything else a small generic payload.
 */
export function unrelatedEvent(
  eventType = 'compute.instance.power_off.end',
  o: InstanceOptions = {},
): OsloMessage {
  if (eventType.startsWith('compute.instance.')) {
    return instanceMessage(
      o,
      {
        suffix: eventType.slice('compute.instance.'.length),
        times: DEFAULT_TIMES.instanceRebuild,
        state: 'stopped',
        withNetwork: false,
        extra: {},
      },
      {
        created_at: fmt(o.createdAt ?? DEFAULT_TIMES.instanceCreate.createdAt, pyStrAware),
        launched_at: fmt(o.launchedAt ?? DEFAULT_TIMES.instanceCreate.launchedAt, formatStrtime),
      },
    );
  }
  if (eventType.startsWith('volume.') || eventType.startsWith('snapshot.')) {
    const message = volumeMessage(
      {},
      {
        suffix: '',
        times: DEFAULT_TIMES.volumeUpdate,
        status: 'available',
        attachments: [],
        legacyInstance: null,
      },
    );
    message.event_type = eventType;
    return message;
  }
  const service = eventType.split('.')[0] ?? 'identity';
  return buildMessage(
    {
      service: 'nova',
      eventType,
      publisherId: `${service}.${DEFAULTS.apiHost}`,
      contextTime: DEFAULT_TIMES.volumeUpdate.context,
      emitted: DEFAULT_TIMES.volumeUpdate.emitted,
      payload: { resource_info: randomUUID().replace(/-/g, '') },
    },
    {},
  );
}
