import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import type { TokenValidator } from './token-validator.ts';

/**
 * Almanach's keystone strategy, with fetch instead of keystoneclient: `GET /v3/auth/tokens` with the
 * token to check as X-Subject-Token. Almanach authenticated a service user for the X-Auth-Token; without
 * one configured, the token validates itself (Keystone lets a token check its own validity). Accepted
 * tokens are remembered for a short while (by digest, never in clear); refusals are not cached, so a
 * token that just became valid is not locked out.
 */
export interface KeystoneOptions {
  url: string;
  service?: {
    username: string;
    password: string;
    userDomainName: string;
    project?: { name: string; domainName: string };
  };
  cacheSeconds: number;
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

const MAX_CACHED_TOKENS = 10_000;

const tokenIssueSchema = z.object({ token: z.object({ expires_at: z.string() }) });

export class KeystoneValidator implements TokenValidator {
  readonly name = 'keystone';
  private readonly identityUrl: string;
  private readonly accepted = new Map<string, number>();
  private serviceToken: { value: string; expiresAt: number } | undefined;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: KeystoneOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.identityUrl = base.endsWith('/v3') ? base : `${base}/v3`;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  async validate(token: string | undefined): Promise<boolean> {
    if (token === undefined || token.length === 0) return false;
    const key = createHash('sha256').update(token).digest('base64');
    const until = this.accepted.get(key);
    if (until !== undefined && until > this.now()) return true;
    this.accepted.delete(key);
    const valid = await this.askKeystone(token).catch((error: unknown) => {
      this.options.logger.warn('keystone token validation failed: token refused', {
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    });
    if (valid && this.options.cacheSeconds > 0) this.remember(key);
    return valid;
  }

  private async askKeystone(token: string, retried = false): Promise<boolean> {
    const authToken = this.options.service ? await this.serviceTokenValue() : token;
    const response = await this.fetch(`${this.identityUrl}/auth/tokens`, {
      method: 'GET',
      headers: { 'X-Auth-Token': authToken, 'X-Subject-Token': token, Accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    await response.body?.cancel();
    if (response.ok) return true;
    // Our service token expired early or was revoked: get a new one once.
    if (response.status === 401 && this.options.service && !retried) {
      this.serviceToken = undefined;
      return this.askKeystone(token, true);
    }
    if (response.status === 401 || response.status === 404) return false;
    throw new Error(`Keystone answered ${response.status}`);
  }

  private async serviceTokenValue(): Promise<string> {
    const cached = this.serviceToken;
    if (cached && cached.expiresAt > this.now()) return cached.value;
    const service = this.options.service;
    if (!service) throw new Error('no service user configured');
    const response = await this.fetch(`${this.identityUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: service.username,
                password: service.password,
                domain: { name: service.userDomainName },
              },
            },
          },
          ...(service.project && {
            scope: { project: { name: service.project.name, domain: { name: service.project.domainName } } },
          }),
        },
      }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const value = response.headers.get('x-subject-token');
    if (!response.ok || !value) throw new Error(`Keystone refused the service user (${response.status})`);
    const issued = tokenIssueSchema.safeParse(await response.json().catch(() => undefined));
    const expiresAt = issued.success ? Date.parse(issued.data.token.expires_at) : Number.NaN;
    // Renewed a minute before it expires (or after five minutes when Keystone did not say).
    const lifetime = Number.isFinite(expiresAt) ? expiresAt - this.now() - 60_000 : 300_000;
    this.serviceToken = { value, expiresAt: this.now() + Math.max(lifetime, 0) };
    return value;
  }

  private remember(key: string): void {
    if (this.accepted.size >= MAX_CACHED_TOKENS) {
      const oldest = this.accepted.keys().next();
      if (!oldest.done) this.accepted.delete(oldest.value);
    }
    this.accepted.set(key, this.now() + this.options.cacheSeconds * 1000);
  }
}
