import type { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Verdict } from './auth/token-validator.ts';
import { refuseOversizedBody } from './body-size-limit.ts';
import { ForbiddenError, MethodNotAllowedError, RouteNotFoundError, UnauthorizedError } from './errors.ts';
import { readJsonBody } from './json-body.ts';
import { errorMapper } from './middleware/error-mapper.ts';
import { type RouteMatch, Router } from './path-matcher.ts';
import { type ApiEvent, apiRequestOf, verdictOf } from './request.ts';
import { type HttpResponse, resultResponse } from './response.ts';
import type { Route } from './route-spec.ts';
import type { ApiServices } from './services.ts';

export interface ApiHandlerOptions {
  routes: readonly Route[];
  services: ApiServices;
  logger: Logger;
  maxBodyBytes: number;
}

export type ApiHandler = MiddyfiedHandler<ApiEvent, HttpResponse, Error, Context>;

/**
 * The API Gateway (HTTP API, payload 2.0) handler of a set of routes; the local server calls the same
 * handler with the same events. The token was checked before (Lambda authorizer, or the local server):
 * routes that need it refuse a request whose authorizer context does not say it was accepted.
 */
export function createApiHandler({ routes, services, logger, maxBodyBytes }: ApiHandlerOptions): ApiHandler {
  const router = new Router(routes);

  async function dispatch(event: ApiEvent, context: Context): Promise<HttpResponse> {
    const match = resolve(router, event);
    if (match.type === 'not-found') throw new RouteNotFoundError();
    if (match.type === 'method-not-allowed') throw new MethodNotAllowedError(match.allowed);
    // The token before the body: a client without an accepted one cannot make the API read anything.
    if (match.route.auth) refuseUnlessAccepted(verdictOf(event));
    refuseOversizedBody(event, maxBodyBytes);
    const request = apiRequestOf(event, match.params, () => readJsonBody(event, context));
    const result = await match.route.run(request, services);
    return resultResponse(result, request.headers.accept, request.method);
  }

  return middy<ApiEvent, HttpResponse>(dispatch).use(errorMapper({ logger }));
}

function refuseUnlessAccepted(verdict: Verdict): void {
  if (verdict === 'forbidden') throw new ForbiddenError();
  if (verdict !== 'accepted') throw new UnauthorizedError();
}

/** API Gateway names the route it matched; anything else (`$default`, local) is matched on the path. */
function resolve(router: Router, event: ApiEvent): RouteMatch {
  const route = router.byRouteKey(event.routeKey);
  if (route) {
    const params = Object.fromEntries(
      Object.entries(event.pathParameters ?? {}).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, value]],
      ),
    );
    return { type: 'route', route, params, routeKey: event.routeKey };
  }
  return router.match(event.requestContext.http.method.toUpperCase(), event.rawPath);
}
