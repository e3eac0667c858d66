import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { z } from 'zod';
import type { Verdict } from './auth/token-validator.ts';

/**
 * API Gateway's `authorizer.lambda`: the verdict of the token check (the Lambda authorizer in AWS, the
 * local server's own check locally).
 */
export interface AuthorizerContext {
  verdict?: Verdict | string;
}

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;

/**
 * The request as handlers see it, whichever front end received it: API Gateway (HTTP API, payload 2.0)
 * in AWS, or the local server, which builds the same event.
 */
export interface ApiRequest {
  requestId: string;
  method: string;
  path: string;
  pathParams: Record<string, string>;
  /** From the raw query string: API Gateway leaves `+` undecoded in queryStringParameters, Flask does not. */
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The body parsed as JSON (json-body.ts), read only by the routes that take one. */
  readBody(): Promise<unknown>;
}

const authorizerSchema = z.object({ verdict: z.enum(['accepted', 'forbidden', 'refused']) });

export function apiRequestOf(
  event: ApiEvent,
  pathParams: Record<string, string>,
  readBody: () => Promise<unknown>,
): ApiRequest {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).flatMap(([name, value]) =>
      value === undefined ? [] : [[name.toLowerCase(), value]],
    ),
  );
  return {
    requestId: event.requestContext.requestId,
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    pathParams,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    readBody,
  };
}

/** The token check's verdict carried by the event; anything but an explicit one reads as `refused`. */
export function verdictOf(event: ApiEvent): Verdict {
  const verdict = authorizerSchema.safeParse(event.requestContext.authorizer?.lambda ?? {});
  return verdict.success ? verdict.data.verdict : 'refused';
}

export function bodyText(event: Pick<ApiEvent, 'body' | 'isBase64Encoded'>): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
