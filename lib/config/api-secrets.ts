import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from './schema.ts';

/**
 * In AWS the API's credentials live in Secrets Manager, never in a template or a plain environment
 * variable: `<NAME>_SECRET_ARN` names the secret holding `<NAME>`, read once per cold start. Locally the
 * values are given as is (and the private key defaults to Almanach's `secret`).
 */
const SECRET_VARIABLES = ['ALMANACH_AUTH_TOKEN', 'KEYSTONE_PASSWORD'] as const;

export async function withResolvedApiSecrets(
  env: Record<string, string | undefined> = process.env,
): Promise<Record<string, string | undefined>> {
  const resolved = { ...env };
  for (const name of SECRET_VARIABLES) {
    const arn = env[`${name}_SECRET_ARN`];
    if (env[name] || !arn) continue;
    const secret = await getSecret(arn);
    if (typeof secret !== 'string' || secret.length === 0) {
      throw new ConfigError(`${name}_SECRET_ARN: the secret is empty or not a string`);
    }
    resolved[name] = secret.trim();
  }
  return resolved;
}
