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
 * The API Gateway Lambda authorizer (simple responses, cached per X-Auth-Token). It always lets the
 * request through and passes its verdict in the context: HTTP APIs answer a denial with 403, while
 * Almanach's clients expect 401 `Unauthorized`, which the route handler then gives. The verdict is still
 * computed once per token and cache period, and the handler refuses any request without it.
 */
export function createAuthorizerHandler(validator: TokenValidator, logger: Logger): AuthorizerHandler {
  return async (event) => {
    const token = event.headers?.['x-auth-token'] ?? event.identitySource?.[0];
    const authenticated = await validator.validate(token);
    if (!authenticated)
      logger.warn('token refused', { route_key: event.routeKey, validator: validator.name });
    return { isAuthorized: true, context: { authenticated } };
  };
}
