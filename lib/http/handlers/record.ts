import type { EntityType, EntityVersion } from '#domain/entity';
import type { EntityEvent } from '#domain/events';
import type { LoggedEvent } from '#domain/logged-event';
import { type IngestReport, recordEntityEvent } from '#ingest/ingest-batch';
import { EntityNotFoundError } from '../errors.ts';
import type { ApiRequest } from '../request.ts';
import type { ApiServices } from '../services.ts';

/**
 * An API write is a domain event like a notification's: logged once under `api-<request id>` with the
 * request body for audit (the token travels in a header, never in it), then folded into its entity by the
 * same code, so an API write and the notification of the same change give the same versions.
 */
export function loggedRequest(
  services: ApiServices,
  request: ApiRequest,
  eventType: string,
  body: unknown,
): LoggedEvent {
  return {
    messageId: `api-${request.requestId}`,
    eventType,
    at: services.now(),
    raw: JSON.stringify(body ?? null),
  };
}

export async function recordApiEvent(
  services: ApiServices,
  request: ApiRequest,
  eventType: string,
  body: unknown,
  event: EntityEvent,
): Promise<IngestReport> {
  const logged = loggedRequest(services, request, eventType, body);
  const report = await recordEntityEvent(services.writers, logged, { messageId: logged.messageId, event });
  services.logger.info(`api write ${report.result}`, {
    message_id: report.messageId,
    event_type: eventType,
    entity_id: report.entityId,
    reason: report.reason,
  });
  return report;
}

/** The running version of an entity of the given type; Almanach's 404 (with its message) otherwise. */
export async function activeVersionOf<Type extends EntityType>(
  services: ApiServices,
  entityId: string,
  entityType: Type,
  notFoundMessage = `Entity ${entityId} not found`,
): Promise<Extract<EntityVersion, { entity_type: Type }>> {
  const { active } = await services.timelines.timelineOf(entityId);
  if (!active || !isOfType(active, entityType)) throw new EntityNotFoundError(notFoundMessage);
  return active;
}

function isOfType<Type extends EntityType>(
  version: EntityVersion,
  entityType: Type,
): version is Extract<EntityVersion, { entity_type: Type }> {
  return version.entity_type === entityType;
}
