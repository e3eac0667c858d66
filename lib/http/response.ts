import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CSV_CONTENT_TYPE, encodeCsv, prefersCsv } from './csv.ts';
import type { ApiError } from './errors.ts';
import type { ApiResult } from './route-spec.ts';

// Bodies as Almanach's Flask app sends them: JSON with `application/json`; empty bodies (201/202/HEAD)
// and the plain-text 401 with Flask's default `text/html; charset=utf-8`. Almanach's client reads a body
// only when Content-Type says JSON and Content-Length is positive, so both are always set.

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

const JSON_CONTENT_TYPE = 'application/json';
const FLASK_DEFAULT_CONTENT_TYPE = 'text/html; charset=utf-8';

export function resultResponse(result: ApiResult, accept: string | undefined, method: string): HttpResponse {
  if (result.csv && prefersCsv(accept)) {
    return respond(result.status, CSV_CONTENT_TYPE, encodeCsv(result.csv), result.headers, method);
  }
  if (result.json !== undefined) {
    return respond(result.status, JSON_CONTENT_TYPE, JSON.stringify(result.json), result.headers, method);
  }
  return respond(result.status, FLASK_DEFAULT_CONTENT_TYPE, '', result.headers, method);
}

export function errorResponse(
  error: ApiError,
  method: string,
  headers?: Record<string, string>,
): HttpResponse {
  const body = error.body;
  return typeof body === 'string'
    ? respond(error.status, FLASK_DEFAULT_CONTENT_TYPE, body, headers, method)
    : respond(error.status, JSON_CONTENT_TYPE, JSON.stringify(body), headers, method);
}

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** Never the error itself: its details go to the log. */
export function internalErrorResponse(method: string): HttpResponse {
  return respond(
    500,
    JSON_CONTENT_TYPE,
    JSON.stringify({ error: INTERNAL_ERROR_MESSAGE }),
    undefined,
    method,
  );
}

function respond(
  statusCode: number,
  contentType: string,
  body: string,
  headers: Record<string, string> | undefined,
  method: string,
): HttpResponse {
  const sent = method === 'HEAD' ? '' : body;
  return {
    statusCode,
    headers: { ...headers, 'content-type': contentType, 'content-length': String(Buffer.byteLength(sent)) },
    body: sent,
  };
}
