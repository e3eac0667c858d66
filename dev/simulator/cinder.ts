/**
 * Cinder's volume and volume type notifications, as built by cinder `cinder/volume/utils.py`
 * `_usage_from_volume` / `notify_about_volume_usage` (newer: isoformat() dates, `host`, replication
 * fields, `metadata`, `volume_attachment`; Icehouse/Juno: `str()` dates and a top-level `instance_uuid`)
 * and `cinder/api/contrib/types_manage.py` `_notify_volume_type_info` (`{volume_types: <type dict>}`,
 * publisher `volumeType.<host>`). Datetimes nested in payloads (attachment times, volume type created_at)
 * go through oslo.serialization `jsonutils.to_primitive`: `%Y-%m-%dT%H:%M:%S.%f`. Almanach reads
 * `_context_timestamp` as the date of every volume event but creation.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_TIMES, DEFAULTS } from './defaults.ts';
import { buildMessage, type CommonOptions, type OsloMessage } from './oslo-envelope.ts';
import {
  asDate,
  type DateFormatter,
  type DateInput,
  fmt,
  fmtOrDefault,
  formatStrtime,
  plusSeconds,
  pyIsoAware,
  pyStrNaive,
} from './python-dates.ts';

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
  const payload =
    o.format === 'instance_uuid'
      ? { ...common, ...icehouseFields(o, ev), ...ev.extra }
      : { ...common, ...newerFields(o), ...ev.extra, volume_attachment: attachmentRows(o, ev, volumeId) };
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

function launchedAt(o: VolumeOptions, formatter: DateFormatter): string {
  return fmtOrDefault(o.launchedAt, DEFAULT_TIMES.volumeCreate.launchedAt, formatter);
}

const createdAt = (o: VolumeOptions): DateInput => o.createdAt ?? DEFAULT_TIMES.volumeCreate.createdAt;

/** Icehouse/Juno: the attached instance at the top level, `str()` dates. */
function icehouseFields(o: VolumeOptions, ev: VolumeEvent): Record<string, unknown> {
  return {
    instance_uuid: ev.legacyInstance,
    launched_at: launchedAt(o, pyStrNaive),
    created_at: fmt(createdAt(o), pyStrNaive),
  };
}

function newerFields(o: VolumeOptions): Record<string, unknown> {
  return {
    host: o.host ?? `${DEFAULTS.volumeHost}#lvm`,
    launched_at: launchedAt(o, pyIsoAware),
    created_at: fmt(createdAt(o), pyIsoAware),
    replication_status: 'disabled',
    replication_extended_status: null,
    replication_driver_data: null,
    metadata: o.metadata ?? [],
  };
}

/** The current attachments, a minute apart and the newest at the event time. */
function attachmentRows(o: VolumeOptions, ev: VolumeEvent, volumeId: string): Record<string, unknown>[] {
  const eventTime = asDate(o.timestamp) ?? ev.times.context;
  return ev.attachments.map((instanceUuid, i) =>
    attachmentRecord(
      o.uuid ?? randomUUID,
      volumeId,
      instanceUuid,
      i,
      plusSeconds(eventTime, -60 * (ev.attachments.length - 1 - i)),
    ),
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

/** Another `volume.*` or `snapshot.*` event, one Almanach ignores: a volume payload under that event type. */
export function otherVolumeEvent(eventType: string): OsloMessage {
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
