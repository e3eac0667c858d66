import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenValidator, Verdict } from './token-validator.ts';

/**
 * Almanach's private_key strategy: the token must equal the configured key. Compared as SHA-256 digests
 * with timingSafeEqual, so neither the key's content nor its length leaks through response times.
 *
 * The configuration may hold several keys, one per line: while a key is rotated, the secret holds the new
 * key and the old one, so clients can switch one by one without a refused request. Every key is compared,
 * so the time taken does not tell which one matched.
 */
export class PrivateKeyValidator implements TokenValidator {
  readonly name = 'private_key';
  private readonly expected: readonly Buffer[];

  constructor(privateKeys: string) {
    this.expected = privateKeys
      .split(/\r?\n/)
      .map((key) => key.trim())
      .filter(Boolean)
      .map(digest);
  }

  async validate(token: string | undefined): Promise<Verdict> {
    if (token === undefined || token.length === 0) return 'refused';
    const presented = digest(token);
    const matched = this.expected.reduce((found, key) => timingSafeEqual(presented, key) || found, false);
    return matched ? 'accepted' : 'refused';
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
