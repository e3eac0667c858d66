/** Decides whether an X-Auth-Token may use the API (Almanach's auth adapters). */
export interface TokenValidator {
  readonly name: string;
  validate(token: string | undefined): Promise<boolean>;
}

/** Almanach's mixed strategy: the first validator accepting the token wins; one failing is not fatal. */
export class AnyOfValidators implements TokenValidator {
  readonly name = 'any-of';

  constructor(private readonly validators: readonly TokenValidator[]) {}

  async validate(token: string | undefined): Promise<boolean> {
    for (const validator of this.validators) {
      if (await validator.validate(token)) return true;
    }
    return false;
  }
}
