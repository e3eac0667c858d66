import type { Logger } from '@aws-lambda-powertools/logger';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import type { AuthorizerContext } from '../request.ts';
import type { TokenValidator } from './token-validator.ts';

export type AuthorizerHandler = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>>;

/**
 * The API Gateway Lambda authorizer (simple responses, cached per X-Auth-Token for the API's
 * authorizerCacheTtl). It always lets the request through and passes its verdict in the context: HTTP
 * APIs answer a denial with a bare 403, while Almanach's clients expect 401 `Unauthorized` (and 403
 * `{"error": "Forbidden"}` for a token without the role), which the route handler then gives. The
 * verdict is still computed once per token and cache period, and the handler refuses any request without
 * an accepting one.
 */
export function createAuthorizerHandler(validator: TokenValidator, logger: Logger): AuthorizerHandler {
  return async (event) => {
    const token = event.headers?.['x-auth-token'] ?? event.identitySource?.[0];
    const verdict = await validator.validate(token);
    if (verdict !== 'accepted')
      logger.warn(`token ${verdict}`, { route_key: event.routeKey, validator: validator.name });
    return { isAuthorized: true, context: { verdict } };
  };
}
