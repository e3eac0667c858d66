import { PayloadTooLargeError } from './errors.ts';
import { type ApiEvent, bodyText } from './request.ts';

/**
 * Refuses an oversized body (413) before anything reads it. Hand-written: no Middy middleware bounds the
 * body, and API Gateway's own limit (10 MB) is far above API_MAX_BODY_BYTES.
 */
export function refuseOversizedBody(event: ApiEvent, maxBytes: number): void {
  const text = bodyText(event);
  if (text !== undefined && Buffer.byteLength(text) > maxBytes) throw new PayloadTooLargeError(maxBytes);
}
