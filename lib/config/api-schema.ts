import { z } from 'zod';
import { commaSeparated, integer, rulesConfigSchema, storeConfigSchema } from './schema.ts';

/**
 * The API's settings: where the local server listens, how tokens are checked (Almanach's `auth` section),
 * and the limits of what a request may ask. Read by functions/api and the local stack; documented in
 * docs/configuration.md from these descriptions.
 */
const AUTH_STRATEGIES = ['private_key', 'keystone'] as const;

/** The longest a revoked Keystone token may still be accepted, all caches together. */
export const MAX_REVOCATION_SECONDS = 60;

export const apiSettingsSchema = z.object({
  PORT: integer(8000, 0, 65_535).describe('Port of the local API server (0 picks a free port)'),
  API_HOST: z.string().min(1).default('127.0.0.1').describe('Address the local API server binds'),
  AUTH_STRATEGY: commaSeparated('private_key')
    .pipe(z.array(z.enum(AUTH_STRATEGIES)).min(1))
    .describe(
      'How X-Auth-Token is checked: private_key, keystone, or both comma-separated (a token passes if either accepts it)',
    ),
  ALMANACH_AUTH_TOKEN: z
    .string()
    .min(1)
    .default('secret')
    .describe(
      'The private key clients send as X-Auth-Token (private_key strategy); several keys one per line while one is rotated; in AWS read from ALMANACH_AUTH_TOKEN_SECRET_ARN',
    ),
  KEYSTONE_URL: z
    .url()
    .optional()
    .describe(
      'Keystone identity endpoint validating tokens (keystone strategy), e.g. http://keystone:5000/v3',
    ),
  KEYSTONE_USERNAME: z
    .string()
    .optional()
    .describe(
      'Service user validating tokens in Keystone; without it each token validates itself (X-Auth-Token = X-Subject-Token)',
    ),
  KEYSTONE_PASSWORD: z
    .string()
    .optional()
    .describe('Password of KEYSTONE_USERNAME; in AWS read from KEYSTONE_PASSWORD_SECRET_ARN'),
  KEYSTONE_USER_DOMAIN_NAME: z
    .string()
    .min(1)
    .default('Default')
    .describe('Keystone domain of KEYSTONE_USERNAME'),
  KEYSTONE_PROJECT_NAME: z
    .string()
    .optional()
    .describe('Project the service token is scoped to (unscoped when unset)'),
  KEYSTONE_PROJECT_DOMAIN_NAME: z
    .string()
    .min(1)
    .default('Default')
    .describe('Keystone domain of KEYSTONE_PROJECT_NAME'),
  KEYSTONE_ALLOWED_ROLES: commaSeparated('admin')
    .pipe(z.array(z.string()).min(1))
    .describe(
      'Comma-separated Keystone roles of which a token must carry one (the billing data of every tenant is an operator’s); a valid token without any gets 403',
    ),
  KEYSTONE_CACHE_SECONDS: integer(30, 0, MAX_REVOCATION_SECONDS).describe(
    `How long a verdict on a valid Keystone token is reused without asking again, never past the token's expiry (0 disables the cache); with API Gateway's authorizer cache, a revoked token is refused within ${MAX_REVOCATION_SECONDS} s in total`,
  ),
  KEYSTONE_TIMEOUT_MS: integer(5_000, 100, 60_000).describe(
    'A Keystone call is abandoned after this long (the token is then refused)',
  ),
  API_MAX_BODY_BYTES: integer(1_048_576, 1_024, 10_485_760).describe(
    'Largest request body accepted; larger bodies get 413',
  ),
  API_MAX_PAGE_SIZE: integer(1_000, 1, 100_000).describe(
    'Largest `limit` a paginated list accepts (Almanach’s lists without limit/cursor return everything, as Almanach, up to API_MAX_LIST_BYTES; /v1/usage pages by 100 projects unless limit says otherwise)',
  ),
  API_MAX_LIST_BYTES: integer(5_000_000, 1_024, 5_000_000).describe(
    'Largest JSON body an unpaginated list (Almanach’s instances, volumes, entities, an entity’s versions) may answer; a larger one gets 413 asking for limit/cursor. About 12,000 instance versions; at most 5 MB, as Lambda returns at most 6 MB and its response envelope escapes the body’s quotes (+11 to 13% for a typical version)',
  ),
});

function keystoneNeedsUrl(
  config: { AUTH_STRATEGY: readonly string[]; KEYSTONE_URL?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (config.AUTH_STRATEGY.includes('keystone') && !config.KEYSTONE_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['KEYSTONE_URL'],
      message: 'required when AUTH_STRATEGY includes keystone',
    });
  }
}

/** What the token check needs, alone: the API Gateway authorizer reads nothing else. */
export const authConfigSchema = apiSettingsSchema
  .pick({
    AUTH_STRATEGY: true,
    ALMANACH_AUTH_TOKEN: true,
    KEYSTONE_URL: true,
    KEYSTONE_USERNAME: true,
    KEYSTONE_PASSWORD: true,
    KEYSTONE_USER_DOMAIN_NAME: true,
    KEYSTONE_PROJECT_NAME: true,
    KEYSTONE_PROJECT_DOMAIN_NAME: true,
    KEYSTONE_ALLOWED_ROLES: true,
    KEYSTONE_CACHE_SECONDS: true,
    KEYSTONE_TIMEOUT_MS: true,
  })
  .superRefine(keystoneNeedsUrl);

export const apiConfigSchema = storeConfigSchema
  .extend(rulesConfigSchema.shape)
  .extend(apiSettingsSchema.shape)
  .superRefine(keystoneNeedsUrl);

export type ApiSettings = z.infer<typeof apiSettingsSchema>;
export type AuthConfig = z.infer<typeof authConfigSchema>;
export type ApiConfig = z.infer<typeof apiConfigSchema>;
export type AuthStrategy = (typeof AUTH_STRATEGIES)[number];
