import { z } from 'zod';
import { DEFAULT_READ_OPTIONS } from '#store/read-options';

/**
 * Every setting, once: read from the environment by the Lambdas and the local stack, documented in
 * docs/configuration.md from these descriptions, and passed by CDK as function environment.
 */
/** A comma-separated list, blanks ignored. */
export const commaSeparated = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );
const list = commaSeparated('');
const seconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/** A whole number within [min, max], given as a string (environment, -c context) or a number (cdk.json). */
export const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const storeConfigSchema = z.object({
  MONGODB_URI: z.string().min(1).describe('MongoDB connection string (Atlas in production)'),
  MONGODB_DATABASE: z
    .string()
    .min(1)
    .default('almanach')
    .describe('Database holding the Almanach collections'),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5_000)
    .describe(
      'How long an operation waits for a reachable MongoDB before it fails (and the message is retried)',
    ),
  MONGODB_MAX_TIME_MS: integer(DEFAULT_READ_OPTIONS.maxTimeMS, 100, 25_000).describe(
    'Server-side time limit (maxTimeMS) of every find, aggregate and count; below MONGODB_SOCKET_TIMEOUT_MS, so a slow read ends with the server’s own error',
  ),
  MONGODB_SOCKET_TIMEOUT_MS: integer(10_000, 1_000, 25_000).describe(
    'A MongoDB connection silent this long is closed and its operation fails. A read is retried once, so a hung server fails it within twice this plus MONGODB_SERVER_SELECTION_TIMEOUT_MS: 25 s by default, under the 30 s API and ingest function timeouts',
  ),
  MONGODB_MAX_POOL_SIZE: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Most MongoDB connections one process pools (by default 5 for ingest, 2 for an API function); CDK sets it from the connection budget',
    ),
});

export type StoreTimeouts = Pick<
  z.infer<typeof storeConfigSchema>,
  'MONGODB_SERVER_SELECTION_TIMEOUT_MS' | 'MONGODB_SOCKET_TIMEOUT_MS'
>;

/**
 * The longest one store call can wait on a hung server: finding it, then a silent socket twice (the driver
 * retries a read once). A function timeout must exceed it, or the function dies before the call fails.
 */
export function longestStoreWaitMs(timeouts: StoreTimeouts): number {
  return timeouts.MONGODB_SERVER_SELECTION_TIMEOUT_MS + 2 * timeouts.MONGODB_SOCKET_TIMEOUT_MS;
}

export const rulesConfigSchema = z.object({
  INSTANCE_EXISTENCE_THRESHOLD_SECONDS: seconds(900).describe(
    'An instance deleted within this many seconds of its creation, with no create.end seen, is not recorded',
  ),
  VOLUME_EXISTENCE_THRESHOLD_SECONDS: seconds(60).describe(
    'Attachment changes and deletions within this many seconds of a volume version start amend that version',
  ),
  INSTANCE_METADATA_WHITELIST: list.describe('Comma-separated instance metadata keys kept on instances'),
  INSTANCE_IMAGE_META_WHITELIST: list.describe('Comma-separated image properties kept as image_meta'),
  OS_TYPE_KEY: z.string().min(1).default('os_type').describe('Image property giving os.os_type'),
  OS_DISTRO_KEY: z.string().min(1).default('distro').describe('Image property giving os.distro'),
  OS_VERSION_KEY: z.string().min(1).default('version').describe('Image property giving os.version'),
  VOLUME_EXISTS_BACKFILL: z
    .stringbool()
    .default(true)
    .describe('Record a volume first seen through volume.exists (true/false)'),
});

export const ingestConfigSchema = storeConfigSchema.extend(rulesConfigSchema.shape);

export type StoreConfig = z.infer<typeof storeConfigSchema>;
export type RulesConfig = z.infer<typeof rulesConfigSchema>;
export type IngestConfig = z.infer<typeof ingestConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Fails at start-up, naming every bad variable, rather than at the first notification. */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined> = process.env,
): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
