import { z } from 'zod';
import { parseLenientDate } from './dates.ts';
import { MalformedNotificationError } from './errors.ts';
import { unstorablePart } from './storable.ts';

/**
 * The notification as oslo.messaging publishes it: the messaging v2 envelope
 * `{"oslo.version": "2.0", "oslo.message": "<JSON>"}` around the message, or (older publishers) the
 * message itself. `_context_*` keys and other fields are kept but not read.
 */
export const lenientDate = z.string().transform((text, ctx) => {
  const date = parseLenientDate(text);
  if (date) return date;
  ctx.addIssue({ code: 'custom', message: `invalid date '${text.slice(0, 64)}'` });
  return z.NEVER;
});

/** Nova sends `""` for dates that are not set yet (deleted_at of a live instance). */
export const optionalLenientDate = z
  .union([z.literal(''), z.null(), lenientDate])
  .optional()
  .transform((value) => value || undefined);

const osloEnvelopeSchema = z.object({ 'oslo.version': z.string(), 'oslo.message': z.string() });

export const notificationSchema = z.looseObject({
  message_id: z.string().min(1),
  event_type: z.string().min(1),
  publisher_id: z.string().optional(),
  priority: z.string().optional(),
  timestamp: lenientDate,
  payload: z.record(z.string(), z.unknown()),
});

export type Notification = z.infer<typeof notificationSchema>;

export function parseNotification(body: string): Notification {
  const message = unwrapEnvelope(parseJson(body, 'body'));
  // Refused here, not by the write that would fail on it: a retry could never succeed.
  const unstorable = unstorablePart(message);
  if (unstorable) throw new MalformedNotificationError(unstorable.reason, unstorable.path || undefined);
  const parsed = notificationSchema.safeParse(message);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

function unwrapEnvelope(document: unknown): unknown {
  const envelope = osloEnvelopeSchema.safeParse(document);
  return envelope.success ? parseJson(envelope.data['oslo.message'], 'oslo.message') : document;
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedNotificationError('is not valid JSON', field);
  }
}

/** The first issue is enough to tell an operator what is wrong; the path says where. */
export function fromZodError(error: z.ZodError, prefix = ''): MalformedNotificationError {
  const [issue] = error.issues;
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  return new MalformedNotificationError(issue?.message ?? 'invalid', path || undefined);
}
