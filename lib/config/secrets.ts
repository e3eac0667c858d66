import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from './schema.ts';

/**
 * In AWS the MongoDB URI lives in Secrets Manager (never in a template or a plain environment variable):
 * MONGODB_URI_SECRET_ARN names it, and it is read once per cold start. Locally MONGODB_URI is given as is.
 * The secret holds either the URI itself or JSON with a `uri` field.
 */
export async function withResolvedSecrets(
  env: Record<string, string | undefined> = process.env,
): Promise<Record<string, string | undefined>> {
  if (env.MONGODB_URI || !env.MONGODB_URI_SECRET_ARN) return env;
  const secret = await getSecret(env.MONGODB_URI_SECRET_ARN);
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new ConfigError('MONGODB_URI_SECRET_ARN: the secret is empty or not a string');
  }
  return { ...env, MONGODB_URI: uriFrom(secret) };
}

function uriFrom(secret: string): string {
  if (!secret.trimStart().startsWith('{')) return secret.trim();
  const parsed = parseJsonSecret(secret);
  if (parsed && typeof parsed === 'object' && 'uri' in parsed && typeof parsed.uri === 'string')
    return parsed.uri;
  throw new ConfigError('MONGODB_URI_SECRET_ARN: JSON secret without a string "uri" field');
}

/** JSON.parse's error quotes the text around the fault, which here is a credential on its way to a log. */
function parseJsonSecret(secret: string): unknown {
  try {
    return JSON.parse(secret);
  } catch {
    throw new ConfigError('MONGODB_URI_SECRET_ARN: the secret starts with "{" but is not valid JSON');
  }
}
