import type { Logger } from '@aws-lambda-powertools/logger';
import type { AuthConfig } from '#config/api-schema';
import { KeystoneValidator } from './keystone.ts';
import { PrivateKeyValidator } from './private-key.ts';
import { AnyOfValidators, type TokenValidator } from './token-validator.ts';

/** AUTH_STRATEGY → the validators Almanach would use, in the order given. */
export function tokenValidatorFor(
  config: AuthConfig,
  { logger, fetch }: { logger: Logger; fetch?: typeof globalThis.fetch },
): TokenValidator {
  const validators = config.AUTH_STRATEGY.map((strategy): TokenValidator => {
    if (strategy === 'private_key') return new PrivateKeyValidator(config.ALMANACH_AUTH_TOKEN);
    if (!config.KEYSTONE_URL) throw new Error('KEYSTONE_URL is required by the keystone strategy');
    return new KeystoneValidator({
      url: config.KEYSTONE_URL,
      service:
        config.KEYSTONE_USERNAME && config.KEYSTONE_PASSWORD
          ? {
              username: config.KEYSTONE_USERNAME,
              password: config.KEYSTONE_PASSWORD,
              userDomainName: config.KEYSTONE_USER_DOMAIN_NAME,
              ...(config.KEYSTONE_PROJECT_NAME && {
                project: {
                  name: config.KEYSTONE_PROJECT_NAME,
                  domainName: config.KEYSTONE_PROJECT_DOMAIN_NAME,
                },
              }),
            }
          : undefined,
      allowedRoles: config.KEYSTONE_ALLOWED_ROLES,
      cacheSeconds: config.KEYSTONE_CACHE_SECONDS,
      timeoutMs: config.KEYSTONE_TIMEOUT_MS,
      logger,
      ...(fetch && { fetch }),
    });
  });
  const [only, ...others] = validators;
  return only && others.length === 0 ? only : new AnyOfValidators(validators);
}
