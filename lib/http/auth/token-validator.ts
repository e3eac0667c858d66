/**
 * What a token check concludes: `accepted` may use the API; `forbidden` is a valid identity without the
 * role the API requires (403); `refused` is no valid identity at all (Almanach's 401).
 */
export type Verdict = 'accepted' | 'forbidden' | 'refused';

/** Decides whether an X-Auth-Token may use the API (Almanach's auth adapters). */
export interface TokenValidator {
  readonly name: string;
  validate(token: string | undefined): Promise<Verdict>;
}

/**
 * Almanach's mixed strategy: a token any validator accepts passes; one failing is not fatal. A token that
 * no validator accepts but one recognised is forbidden rather than refused, so the client learns that it
 * lacks a role, not that its token is wrong.
 */
export class AnyOfValidators implements TokenValidator {
  readonly name = 'any-of';

  constructor(private readonly validators: readonly TokenValidator[]) {}

  async validate(token: string | undefined): Promise<Verdict> {
    let verdict: Verdict = 'refused';
    for (const validator of this.validators) {
      const next = await validator.validate(token);
      if (next === 'accepted') return next;
      if (next === 'forbidden') verdict = next;
    }
    return verdict;
  }
}
