import type { MiddlewareObj } from '@middy/core';
import { PayloadTooLargeError } from '../errors.ts';
import { type ApiEvent, bodyText, parseJsonBody } from '../request.ts';
import type { HttpResponse } from '../response.ts';

/**
 * Our equivalent of @middy/http-json-body-parser, for Almanach's rules: the body is JSON whatever its
 * Content-Type, and a missing or malformed body is not an error until a route reads it (then it is
 * Almanach's `Invalid parameter or payload`, not a 415/422). Oversized bodies are refused first.
 */
export function jsonBodyParser({ maxBytes }: { maxBytes: number }): MiddlewareObj<ApiEvent, HttpResponse> {
  return {
    before: ({ event }) => {
      const text = bodyText(event);
      if (text !== undefined && Buffer.byteLength(text) > maxBytes) throw new PayloadTooLargeError(maxBytes);
      event.jsonBody = parseJsonBody(event);
    },
  };
}
