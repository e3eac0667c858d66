import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import { asError } from '#observability/thrown';
import { apiErrorOf, MethodNotAllowedError } from '../errors.ts';
import type { ApiEvent } from '../request.ts';
import { errorResponse, type HttpResponse, internalErrorResponse } from '../response.ts';

/**
 * The one place errors become responses. Our typed errors carry Almanach's status and body; a client's
 * mistake is logged as a warning. Anything else is a fault of ours: 500 with a fixed message, and the
 * error (stack included) only in the log.
 */
export function errorMapper({ logger }: { logger: Logger }): MiddlewareObj<ApiEvent, HttpResponse> {
  return {
    onError: (request) => {
      const { event, error } = request;
      const method = event.requestContext.http.method.toUpperCase();
      const context = { request_id: event.requestContext.requestId, route_key: event.routeKey, method };
      const refusal = apiErrorOf(error);
      if (refusal) {
        logger.warn(`request refused: ${refusal.name}`, {
          ...context,
          status: refusal.status,
          reason: refusal.message,
        });
        const headers =
          refusal instanceof MethodNotAllowedError ? { allow: refusal.allowed.join(', ') } : undefined;
        request.response = errorResponse(refusal, method, headers);
        return;
      }
      logger.error('request failed', { ...context, error: asError(error) });
      request.response = internalErrorResponse(method);
    },
  };
}
