/**
 * Nova's legacy (unversioned) instance notifications, `compute.instance.*`, as built by nova
 * `nova/notifications/base.py` `info_from_instance` (payload fields and date formats) and
 * `nova/compute/utils.py` `notify_about_instance_usage`. Sample values follow openstack-archive/almanach
 * `integration_tests/builders/messages.py`; Almanach reads payload.created_at for creations,
 * payload.terminated_at for deletions and `_context_timestamp` for resizes and rebuilds.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_TIMES, DEFAULTS } from './defaults.ts';
import { buildMessage, type CommonOptions, mergeDefined, type OsloMessage } from './oslo-envelope.ts';
import { asDate, type DateInput, fmt, formatStrtime, plusSeconds, pyStrAware } from './python-dates.ts';

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

/** The payload dates, already formatted; an instance not yet terminated or deleted sends `''`. */
interface InstanceDates {
  created_at: string;
  launched_at: string;
  terminated_at?: string;
  deleted_at?: string;
}

function instanceMessage(o: InstanceOptions, ev: InstanceEvent, dates: InstanceDates): OsloMessage {
  const instanceId = o.instanceId ?? randomUUID();
  const tenantId = o.tenantId ?? DEFAULTS.tenantId;
  const host = o.host ?? DEFAULTS.computeHost;
  const imageMeta = o.imageMeta ? mergeDefined(DEFAULTS.imageMeta, o.imageMeta) : { ...DEFAULTS.imageMeta };
  const payload: Record<string, unknown> = {
    ...identityFields(o, instanceId, tenantId),
    ...flavorFields(o.flavor ?? DEFAULTS.flavor, imageMeta),
    ...placementFields(host, o.node),
    created_at: dates.created_at,
    terminated_at: dates.terminated_at ?? '',
    deleted_at: dates.deleted_at ?? '',
    launched_at: dates.launched_at,
    ...imageFields(imageMeta),
    ...stateFields(o.state ?? ev.state),
    image_meta: imageMeta,
    metadata: o.metadata ?? {},
    ...ev.extra,
    ...(ev.withNetwork && { fixed_ips: fixedIps(instanceId) }),
  };
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

function identityFields(o: InstanceOptions, instanceId: string, tenantId: string): Record<string, unknown> {
  const name = o.name ?? DEFAULTS.instanceName;
  return {
    tenant_id: tenantId,
    user_id: o.userId ?? DEFAULTS.userId,
    instance_id: instanceId,
    display_name: name,
    reservation_id: `r-${hexOf(instanceId).slice(0, 8)}`,
    hostname: o.hostname ?? sanitizeHostname(name),
  };
}

/** The flavor's name, ids and sizes (with the image's architecture among them, where Nova puts it). */
function flavorFields(flavorName: string, imageMeta: Record<string, unknown>): Record<string, unknown> {
  const flavor = FLAVORS[flavorName] ?? { ...CUSTOM_FLAVOR, flavorId: flavorName };
  return {
    instance_type: flavorName,
    instance_type_id: flavor.dbId,
    instance_flavor_id: flavor.flavorId,
    architecture: imageMeta.architecture ?? null,
    memory_mb: flavor.memoryMb,
    disk_gb: flavor.rootGb + flavor.ephemeralGb,
    vcpus: flavor.vcpus,
    root_gb: flavor.rootGb,
    ephemeral_gb: flavor.ephemeralGb,
  };
}

function placementFields(host: string, node: string | undefined): Record<string, unknown> {
  return {
    host,
    node: node ?? (host === DEFAULTS.computeHost ? DEFAULTS.computeNode : `${host}.dc1.example.net`),
    availability_zone: DEFAULTS.availabilityZone,
    cell_name: '',
  };
}

function imageFields(imageMeta: Record<string, unknown>): Record<string, unknown> {
  const imageRef = typeof imageMeta.base_image_ref === 'string' ? imageMeta.base_image_ref : DEFAULTS.imageId;
  return {
    image_ref_url: `${DEFAULTS.glanceUrl}/images/${imageRef}`,
    os_type: imageMeta.os_type ?? null,
    kernel_id: '',
    ramdisk_id: '',
  };
}

function stateFields(state: string): Record<string, unknown> {
  return {
    state,
    state_description: '',
    // Legacy quirk kept by Nova: progress is '' rather than 0 when unset.
    progress: '',
    access_ip_v4: null,
    access_ip_v6: null,
  };
}

/** One fixed IPv4 address and a MAC derived from the instance id, so a given instance always has the same. */
function fixedIps(instanceId: string): Record<string, unknown>[] {
  const hex = hexOf(instanceId);
  const octet = (Number.parseInt(hex.slice(0, 2), 16) % 250) + 3;
  return [
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

const hexOf = (instanceId: string): string => instanceId.replace(/-/g, '');

/** payload.created_at: Nova prints `str(instance.created_at)` of an aware datetime. */
const createdAtOf = (o: InstanceOptions): string =>
  fmt(o.createdAt ?? DEFAULT_TIMES.instanceCreate.createdAt, pyStrAware);

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
      created_at: createdAtOf(o),
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
    { created_at: createdAtOf(o), launched_at: '' },
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
      created_at: createdAtOf(o),
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
      created_at: createdAtOf(o),
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
      created_at: createdAtOf(o),
      launched_at: fmt(o.launchedAt ?? d.launchedAt, formatStrtime),
    },
  );
}

/** Another `compute.instance.<suffix>` event, one Almanach ignores (e.g. `power_off.end`): state `stopped`. */
export function otherInstanceEvent(suffix: string, o: InstanceOptions = {}): OsloMessage {
  return instanceMessage(
    o,
    { suffix, times: DEFAULT_TIMES.instanceRebuild, state: 'stopped', withNetwork: false, extra: {} },
    {
      created_at: createdAtOf(o),
      launched_at: fmt(o.launchedAt ?? DEFAULT_TIMES.instanceCreate.launchedAt, formatStrtime),
    },
  );
}
