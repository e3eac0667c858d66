import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { authConfigSchema } from '#config/api-schema';
import { withResolvedApiSecrets } from '#config/api-secrets';
import { loadConfig } from '#config/schema';
import { createAuthorizerHandler } from '#http/auth/authorizer';
import { tokenValidatorFor } from '#http/auth/strategy';
import { logger } from '#observability/logger';

/** API Gateway's Lambda authorizer: checks X-Auth-Token as AUTH_STRATEGY says (results cached by the API). */
const config = loadConfig(authConfigSchema, await withResolvedApiSecrets());

export const handler = middy(createAuthorizerHandler(tokenValidatorFor(config, { logger }), logger)).use(
  injectLambdaContext(logger, { resetKeys: true, logEvent: false }),
);
