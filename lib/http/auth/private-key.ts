import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenValidator, Verdict } from './token-validator.ts';

/**
 * Almanach's private_key strategy: the token must equal the configured key. Compared as SHA-256 digests
 * with timingSafeEqual, so neither the key's content nor its length leaks through response times.
 */
export class PrivateKeyValidator implements TokenValidator {
  readonly name = 'private_key';
  private readonly expected: Buffer;

  constructor(privateKey: string) {
    this.expected = digest(privateKey);
  }

  async validate(token: string | undefined): Promise<Verdict> {
    if (token === undefined || token.length === 0) return 'refused';
    return timingSafeEqual(digest(token), this.expected) ? 'accepted' : 'refused';
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
