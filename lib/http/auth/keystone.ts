import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { errorMessage } from '#observability/thrown';
import type { TokenValidator, Verdict } from './token-validator.ts';

export interface KeystoneOptions {
  url: string;
  service?: {
    username: string;
    password: string;
    userDomainName: string;
    project?: { name: string; domainName: string };
  };
  /** Role names (any one suffices), compared without case as oslo.policy does. */
  allowedRoles: readonly string[];
  cacheSeconds: number;
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

const MAX_CACHED_TOKENS = 10_000;

const tokenIssueSchema = z.object({ token: z.object({ expires_at: z.string() }) });
const validatedTokenSchema = z.object({
  token: z.object({
    expires_at: z.iso.datetime({ offset: true }),
    roles: z.array(z.object({ name: z.string() })).default([]),
  }),
});

interface Valid {
  verdict: 'accepted' | 'forbidden';
  expiresAt: number;
}

/**
 * Almanach's keystone strategy, with fetch instead of keystoneclient: `GET /v3/auth/tokens` with the
 * token to check as X-Subject-Token. Almanach authenticated a service user for the X-Auth-Token; without
 * one configured, the token validates itself (Keystone lets a token check its own validity).
 *
 * Beyond Almanach, a valid token is also authorized: the billing data of every tenant is an operator's,
 * so the token must carry one of `allowedRoles` (else `forbidden`). Verdicts on valid tokens are
 * remembered for a short while (by digest, never in clear), never past the token's `expires_at`: a
 * revoked token is refused at most `cacheSeconds` later. Refusals are not cached, so a token that just
 * became valid is not locked out. Keystone unreachable, slow past `timeoutMs`, or answering nonsense
 * refuses the token (fail closed).
 */
export class KeystoneValidator implements TokenValidator {
  readonly name = 'keystone';
  private readonly identityUrl: string;
  private readonly remembered = new Map<string, { verdict: Valid['verdict']; until: number }>();
  private readonly allowedRoles: ReadonlySet<string>;
  private serviceToken: { value: string; expiresAt: number } | undefined;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: KeystoneOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.identityUrl = base.endsWith('/v3') ? base : `${base}/v3`;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.allowedRoles = new Set(options.allowedRoles.map((role) => role.toLowerCase()));
  }

  async validate(token: string | undefined): Promise<Verdict> {
    if (token === undefined || token.length === 0) return 'refused';
    const key = createHash('sha256').update(token).digest('base64');
    const cached = this.remembered.get(key);
    if (cached !== undefined && cached.until > this.now()) return cached.verdict;
    this.remembered.delete(key);
    const valid = await this.askKeystone(token).catch((error: unknown) => {
      this.options.logger.warn('keystone token validation failed: token refused', {
        error: errorMessage(error),
      });
      return undefined;
    });
    if (!valid) return 'refused';
    if (valid.verdict === 'forbidden')
      this.options.logger.warn('valid Keystone token without an allowed role: forbidden', {
        allowedRoles: [...this.allowedRoles],
      });
    this.remember(key, valid);
    return valid.verdict;
  }

  private async askKeystone(token: string, retried = false): Promise<Valid | undefined> {
    const authToken = this.options.service ? await this.serviceTokenValue() : token;
    const response = await this.fetch(`${this.identityUrl}/auth/tokens?nocatalog`, {
      method: 'GET',
      headers: { 'X-Auth-Token': authToken, 'X-Subject-Token': token, Accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (response.ok) {
      const validated = validatedTokenSchema.safeParse(await response.json());
      if (!validated.success) throw new Error('Keystone validated the token without its expiry or roles');
      const { roles, expires_at } = validated.data.token;
      const allowed = roles.some(({ name }) => this.allowedRoles.has(name.toLowerCase()));
      return { verdict: allowed ? 'accepted' : 'forbidden', expiresAt: Date.parse(expires_at) };
    }
    await response.body?.cancel();
    // Our service token expired early or was revoked: get a new one once.
    if (response.status === 401 && this.options.service && !retried) {
      this.serviceToken = undefined;
      return this.askKeystone(token, true);
    }
    if (response.status === 401 || response.status === 404) return undefined;
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

  /** Until the cache period ends or the token expires, whichever comes first. */
  private remember(key: string, { verdict, expiresAt }: Valid): void {
    const until = Math.min(this.now() + this.options.cacheSeconds * 1000, expiresAt);
    if (until <= this.now()) return;
    if (this.remembered.size >= MAX_CACHED_TOKENS) {
      const oldest = this.remembered.keys().next();
      if (!oldest.done) this.remembered.delete(oldest.value);
    }
    this.remembered.set(key, { verdict, until });
  }
}
