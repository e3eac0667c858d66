/**
 * The oslo.messaging message every Nova and Cinder notification travels in, as published on RabbitMQ with
 * the `messagingv2` driver. The Nova and Cinder builders (`nova.ts`, `cinder.ts`) return the INNER message
 * (what `oslo.message` holds once parsed); wrap it with `osloEnvelope` / `rabbitBody` to get what travels.
 *
 * Grounded in oslo.messaging `notify/notifier.py` `_notify`: message_id (uuid4), publisher_id, event_type,
 * priority, payload, `timestamp=str(timeutils.utcnow())`; `_drivers/amqpdriver.py` `_send`: `_add_unique_id`
 * (`_unique_id`, uuid4 hex) then `pack_context` (every context key flattened as `_context_<key>`), then
 * `_drivers/common.py` `serialize_msg` → `{"oslo.version": "2.0", "oslo.message": jsonutils.dumps(msg)}`;
 * and nova `nova/context.py` `to_dict` (the `_context_*` keys).
 */
import { randomUUID } from 'node:crypto';
import { DEFAULTS } from './defaults.ts';
import {
  type DateInput,
  fmtOrDefault,
  formatNovaTimestamp,
  formatStrtime,
  pyIsoNaive,
} from './python-dates.ts';

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

export type Service = 'nova' | 'cinder';

/** What a Nova or Cinder builder decides; the envelope adds the ids, times and request context. */
export interface MessageSpec {
  service: Service;
  eventType: string;
  publisherId: string;
  contextTime: Date;
  emitted: Date;
  payload: Record<string, unknown>;
  admin?: boolean;
}

export function buildMessage(env: MessageSpec, o: CommonOptions): OsloMessage {
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

/** `base` with `extra` merged over it; a key `extra` sets to `undefined` is removed. */
export function mergeDefined(
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
