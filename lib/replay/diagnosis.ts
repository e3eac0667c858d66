import { MalformedNotificationError } from '#domain/errors';
import { type MappingOptions, mapNotification } from '#domain/mapping';
import { parseNotification } from '#domain/notification';
import { errorMessage } from '#observability/thrown';

/** What an operator needs to decide about a dead letter, read from its body. */
export interface Diagnosis {
  eventType: string | null;
  projectId: string | null;
  notificationId: string | null;
  /** The ingest can never accept it as it is: replaying it only sends it back here. */
  malformed: boolean;
  reason: string;
}

/**
 * Dead letters carry no failure reason of their own, so it is found again the way the ingest found it:
 * a body the parser or the mapping refuses is malformed (with the field at fault); one they accept failed
 * for a reason outside the message, which the ingest logs record under its message_id.
 */
export function diagnose(body: string, receiveCount: number, mapping: MappingOptions): Diagnosis {
  let notification: ReturnType<typeof parseNotification>;
  try {
    notification = parseNotification(body);
  } catch (error) {
    return {
      eventType: null,
      projectId: null,
      notificationId: null,
      malformed: true,
      reason: reasonOf(error),
    };
  }
  const identity = {
    eventType: notification.event_type,
    projectId: projectOf(notification.payload, notification),
    notificationId: notification.message_id,
  };
  try {
    mapNotification(notification, mapping);
  } catch (error) {
    return { ...identity, malformed: true, reason: reasonOf(error) };
  }
  return {
    ...identity,
    malformed: false,
    reason: `well-formed, failed after ${receiveCount} deliveries: a failure outside the message (database, network, a bug since fixed); see the ingest logs for message_id ${notification.message_id}`,
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof MalformedNotificationError) return `malformed: ${error.message}`;
  return `unreadable: ${errorMessage(error)}`;
}

function projectOf(payload: Record<string, unknown>, message: Record<string, unknown>): string | null {
  for (const candidate of [payload.tenant_id, payload.project_id, message._context_project_id]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return null;
}
